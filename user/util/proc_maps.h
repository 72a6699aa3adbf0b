/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * A process's mappings, from /proc/PID/maps: which files it maps where, to
 * find the libraries (libssl) and executables to attach uprobes to. The
 * lines are the kernel's, but the paths in them are the traced process's
 * choice, so a line is parsed strictly and a path never overflows.
 */
#ifndef __SPANTAP_PROC_MAPS_H
#define __SPANTAP_PROC_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest line proc_maps__for_each parses; a longer one is skipped. */
#define PROC_MAPS_LINE_MAX 8192

struct proc_map {
	uint64_t start, end, offset; /* start < end always */
	uint32_t dev_major, dev_minor;
	uint64_t inode;
	bool readable, writable, exec, shared;
	bool deleted; /* path ended in " (deleted)" (stripped from path) */
	/*
	 * "" for anonymous mappings; "[heap]" and the like as they are; a
	 * newline in a file name stays as the kernel escapes it, "\012"
	 */
	char path[4096];
};

/*
 * Parse one line of a maps file, with or without its '\n' (len bytes, not
 * necessarily NUL-terminated), e.g.
 *   7f2c5a000000-7f2c5a021000 r-xp 00002000 fd:01 1234567    /usr/lib/x.so
 * Strictly as the kernel writes it: lowercase hex of at most 16 digits
 * (8 for the device numbers), a decimal inode that fits 64 bits, single
 * spaces between fields, start < end. 0, or -EINVAL when malformed,
 * -ENAMETOOLONG when the path does not fit; *m is meaningful only on 0.
 */
int proc_maps__parse_line(const char *line, size_t len, struct proc_map *m);

/*
 * Call fn for each mapping in /proc/<pid>/maps of a file (inode != 0, path
 * starting with '/'; deleted files included), in the file's order. Stops
 * at, and returns, the first non-zero value fn returns. 0 at the end;
 * -errno when the file cannot be opened or read (-ENOENT when there is no
 * such process; one that exits while being read just ends the list).
 * Lines that do not parse, or are longer than PROC_MAPS_LINE_MAX, are
 * skipped; *nbad (when nbad is not NULL) is set to how many were.
 */
int proc_maps__for_each(int pid, int (*fn)(const struct proc_map *m, void *arg),
			void *arg, unsigned int *nbad);

#endif /* __SPANTAP_PROC_MAPS_H */

// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * /proc/PID/maps lines: the kernel writes them, but each path in them is
 * the traced process's choice. Each line of the input is parsed with and
 * without its '\n'. Besides the sanitizers, checks that both parse alike,
 * that a parsed mapping is not empty (the parser refuses start >= end),
 * that its path is a NUL-terminated string that fits, and that the line
 * written back from it in the kernel's format parses to the same mapping.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/proc_maps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same(const struct proc_map *a, const struct proc_map *b)
{
	return a->start == b->start && a->end == b->end &&
	       a->offset == b->offset && a->dev_major == b->dev_major &&
	       a->dev_minor == b->dev_minor && a->inode == b->inode &&
	       a->readable == b->readable && a->writable == b->writable &&
	       a->exec == b->exec && a->shared == b->shared &&
	       a->deleted == b->deleted && !strcmp(a->path, b->path);
}

static void check_line(const char *line, size_t len)
{
	static struct proc_map m, m2;
	static char out[PROC_MAPS_LINE_MAX];
	int r, r2, n;

	r = proc_maps__parse_line(line, len, &m);
	if (r != 0 && r != -EINVAL && r != -ENAMETOOLONG)
		abort();
	if (len && line[len - 1] == '\n') {
		r2 = proc_maps__parse_line(line, len - 1, &m2);
		if (r2 != r || (!r && !same(&m, &m2)))
			abort();
	}
	if (r)
		return;
	if (m.start >= m.end || !memchr(m.path, '\0', sizeof(m.path)) ||
	    m.path[0] == ' ')
		abort();
	n = snprintf(out, sizeof(out),
		     "%" PRIx64 "-%" PRIx64 " %c%c%c%c %08" PRIx64
		     " %02x:%02x %" PRIu64 " %s%s\n",
		     m.start, m.end, m.readable ? 'r' : '-',
		     m.writable ? 'w' : '-', m.exec ? 'x' : '-',
		     m.shared ? 's' : 'p', m.offset, m.dev_major, m.dev_minor,
		     m.inode, m.path, m.deleted ? " (deleted)" : "");
	if (n < 0 || (size_t)n >= sizeof(out))
		abort();
	if (proc_maps__parse_line(out, n, &m2) || !same(&m, &m2))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;

	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		size_t len = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);

		check_line(p, len);
		p += len;
	}
	return 0;
}

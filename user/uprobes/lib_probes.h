/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Which library files get uprobes, and for how long.
 *
 * A kind of library (OpenSSL today; libpq, libmariadb, ... later) is named
 * by file name prefixes and the functions to probe. Processes are scanned
 * through /proc/PID/maps: a mapped file of a kind, or an executable with
 * the kind's functions linked in, is resolved (ELF symbols to file offsets)
 * and attached through the caller's ops, once per file (device and inode)
 * however many processes share it. The processes using a file are
 * remembered; when the last one has ended the file's probes are let go.
 * Files found to be of no kind are remembered too, so a rescan costs only
 * the reading of the maps.
 *
 * Nothing here talks to the kernel's BPF side: that is the ops' job, which
 * keeps this testable without privileges.
 */
#ifndef __SPANTAP_LIB_PROBES_H
#define __SPANTAP_LIB_PROBES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LIB_KIND_MAX_FUNCS 8
#define LIB_RESCAN_STEPS 3

struct lib_kind {
	const char *name; /* "openssl" */
	/* basenames that start with one of these, NULL-terminated */
	const char *const *prefixes;
	const char *funcs[LIB_KIND_MAX_FUNCS];
	unsigned int nfuncs;
	/* the first nrequired funcs must all be there for the file to count */
	unsigned int nrequired;
	/*
	 * One file serves every process that maps it (the dynamic linker):
	 * attached when first found and kept while spantap runs; its users
	 * are not tracked. Found by name only, never in an executable.
	 */
	bool host_wide;
};

/* A file found to be of a kind. */
struct lib_file {
	const struct lib_kind *kind;
	uint64_t dev; /* major << 32 | minor, as in /proc/PID/maps */
	uint64_t ino;
	char *path; /* as the first process that mapped it shows it */
	uint64_t offs[LIB_KIND_MAX_FUNCS]; /* file offsets, 0: absent */
	unsigned int nfound;
	unsigned int nmoved; /* probed at an internal function instead */
	bool in_exe;	     /* linked into an executable, not a library */
	bool attached;
	int attach_err; /* -errno of the failed attach, 0 */
	void *handle;	/* the ops' own, while attached */
	uint32_t *pids; /* processes mapping it */
	size_t npids, cappids;
	uint32_t first_pid;
	uint64_t pids_seen; /* processes ever found using it */
};

enum lib_note {
	LIB_NOTE_ATTACHED = 1,
	LIB_NOTE_ATTACH_FAILED = 2, /* once per file */
	LIB_NOTE_DETACHED = 3,	    /* its last process ended */
};

struct lib_probes_ops {
	/*
	 * Attach f's probes; path opens the very file the process maps
	 * (/proc/PID/map_files/..., also when it was replaced on disk).
	 * Returns 0 and sets f->handle, or -errno and writes why into err.
	 */
	int (*attach)(void *arg, struct lib_file *f, const char *path,
		      char *err, size_t errlen);
	void (*detach)(void *arg, struct lib_file *f);
	/*
	 * Optional, before each attach: adjust f->offs (e.g. to cheaper
	 * probe points) reading the file at path.
	 */
	void (*prepare)(void *arg, struct lib_file *f, const char *path);
	/* pid now uses attached files (on), or no longer does (off) */
	void (*watch_pid)(void *arg, uint32_t pid, bool on);
	/* Something the user should hear of; err is "" unless it failed. */
	void (*note)(void *arg, enum lib_note what, const struct lib_file *f,
		     uint32_t pid, const char *err);
	/* Whether pid (comm) is traced at all: scan_all skips others. NULL:
	 * all. */
	bool (*want)(void *arg, uint32_t pid, const char *comm);
	void *arg;
};

struct lib_probes_stats {
	uint64_t scans;		/* processes whose maps were read */
	uint64_t scan_errors;	/* maps unreadable (process gone, mostly) */
	uint64_t bad_lines;	/* maps lines that did not parse */
	uint64_t files_checked; /* ELF files whose symbols were read */
	uint64_t files_found;	/* of a kind */
	uint64_t attached;
	uint64_t attach_failed;
	uint64_t detached;
	uint64_t verdicts_evicted; /* "no kind" verdicts forgotten */
	uint64_t rescans_dropped;  /* late rescans with no room to wait */
};

struct lib_probes;

/* NULL with errno set on failure. kinds must outlive the result. */
struct lib_probes *lib_probes__new(const struct lib_kind *kinds, size_t nkinds,
				   const struct lib_probes_ops *ops);
/* Read pid's maps now and attach what is new. 0, or -errno. */
int lib_probes__scan_pid(struct lib_probes *lp, uint32_t pid);
/* Scan every process in /proc (that ops->want wants). Returns how many. */
int lib_probes__scan_all(struct lib_probes *lp);
/* Remember pid for the next lib_probes__run_pending (exec, mmap). */
void lib_probes__mark(struct lib_probes *lp, uint32_t pid);
/*
 * Scan the marked processes. One whose scan found a new host-wide file
 * may have loaded its libraries before that file's probes were in: it is
 * scanned again LIB_RESCAN_STEPS times, the last some seconds after now_ns.
 */
void lib_probes__run_pending(struct lib_probes *lp, uint64_t now_ns);
/* pid ended: files it was the last user of are detached. */
void lib_probes__pid_exit(struct lib_probes *lp, uint32_t pid);
/*
 * Forget processes that ended without an exit event (lost, or ended
 * before their scan): checks each user of an attached file in /proc.
 */
void lib_probes__prune(struct lib_probes *lp);
size_t lib_probes__nfiles(const struct lib_probes *lp);
/* The i-th file of a kind found (attached or not), i < nfiles. */
const struct lib_file *lib_probes__file(const struct lib_probes *lp, size_t i);
const struct lib_probes_stats *lib_probes__stats(const struct lib_probes *lp);
/* Detaches every file and frees; NULL-safe. */
void lib_probes__free(struct lib_probes *lp);

#endif /* __SPANTAP_LIB_PROBES_H */

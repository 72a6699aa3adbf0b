// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "uprobes/lib_probes.h"
#include "util/elf_symbols.h"
#include "util/fixmap.h"
#include "util/proc_maps.h"
#include "util/procfs.h"

/* Files of no kind remembered; beyond this the oldest verdict is redone. */
#define VERDICTS_MAX 8192
/* Processes marked between two runs; more wait for the next mark. */
#define PENDING_MAX 4096
/* Files of a kind: a host has a handful (one libssl per distribution). */
#define FILES_MAX 1024
/* Processes waiting for a late rescan (see lib_probes__run_pending). */
#define RESCANS_MAX 256

/* When the late rescans run, after the scan that found a new file. */
static const uint64_t rescan_after_ns[LIB_RESCAN_STEPS] = {
	20000000ULL, 200000000ULL, 2000000000ULL};

struct rescan {
	uint32_t pid;
	unsigned int step;
	uint64_t due_ns;
};

struct file_key {
	uint64_t dev;
	uint64_t ino;
};

struct lib_probes {
	const struct lib_kind *kinds;
	size_t nkinds;
	struct lib_probes_ops ops;
	struct lib_file *files[FILES_MAX];
	size_t nfiles;
	struct fixmap *no_kind; /* struct file_key -> (nothing) */
	uint32_t pending[PENDING_MAX];
	size_t npending;
	struct rescan rescans[RESCANS_MAX];
	size_t nrescans;
	struct lib_probes_stats stats;
};

/* What one scan of a process carries between the maps callbacks. */
struct scan {
	struct lib_probes *lp;
	uint32_t pid;
	struct file_key exe;
	struct file_key last; /* consecutive mappings of one file: once */
	bool new_host_wide; /* a host-wide file attached by this scan */
};

struct lib_probes *lib_probes__new(const struct lib_kind *kinds, size_t nkinds,
				   const struct lib_probes_ops *ops)
{
	struct lib_probes *lp = calloc(1, sizeof(*lp));

	if (!lp)
		return NULL;
	lp->kinds = kinds;
	lp->nkinds = nkinds;
	lp->ops = *ops;
	lp->no_kind = fixmap__new(VERDICTS_MAX, sizeof(struct file_key), 1);
	if (!lp->no_kind) {
		free(lp);
		errno = ENOMEM;
		return NULL;
	}
	return lp;
}

static struct lib_file *file_find(struct lib_probes *lp,
				  const struct file_key *k)
{
	for (size_t i = 0; i < lp->nfiles; i++)
		if (lp->files[i]->dev == k->dev && lp->files[i]->ino == k->ino)
			return lp->files[i];
	return NULL;
}

static bool file_has_pid(const struct lib_file *f, uint32_t pid)
{
	for (size_t i = 0; i < f->npids; i++)
		if (f->pids[i] == pid)
			return true;
	return false;
}

static void file_add_pid(struct lib_probes *lp, struct lib_file *f,
			 uint32_t pid)
{
	if (!f->attached || file_has_pid(f, pid))
		return;
	if (f->npids == f->cappids) {
		size_t ncap = f->cappids ? f->cappids * 2 : 8;
		uint32_t *n = reallocarray(f->pids, ncap, sizeof(*n));

		/* not remembered: its probes stay until spantap stops */
		if (!n)
			return;
		f->pids = n;
		f->cappids = ncap;
	}
	f->pids[f->npids++] = pid;
	f->pids_seen++;
	if (lp->ops.watch_pid)
		lp->ops.watch_pid(lp->ops.arg, pid, true);
}

static bool has_prefix_of(const char *base, const char *const *prefixes)
{
	for (; prefixes && *prefixes; prefixes++)
		if (!strncmp(base, *prefixes, strlen(*prefixes)))
			return true;
	return false;
}

/* The kind whose functions path has, resolved into f; false if none. */
static bool resolve(struct lib_probes *lp, const char *path,
		    const struct lib_kind *only, struct lib_file *f)
{
	struct elf_syms *e = NULL;
	bool found = false;

	lp->stats.files_checked++;
	if (elf_syms__open(path, &e))
		return false;
	for (size_t k = 0; k < lp->nkinds && !found; k++) {
		const struct lib_kind *kind = &lp->kinds[k];
		unsigned int i;
		int n;

		if (only ? only != kind : kind->host_wide)
			continue;
		memset(f->offs, 0, sizeof(f->offs));
		f->nmoved = 0;
		n = elf_syms__lookup(e, kind->funcs, kind->nfuncs, f->offs);
		if (n <= 0)
			continue;
		for (i = 0; i < kind->nrequired; i++)
			if (!f->offs[i])
				break;
		if (i < kind->nrequired)
			continue;
		f->kind = kind;
		f->nfound = n;
		found = true;
	}
	elf_syms__close(e);
	return found;
}

static void file_attach(struct lib_probes *lp, struct lib_file *f,
			const char *path, uint32_t pid)
{
	char err[256] = "";
	int ret;

	if (lp->ops.prepare)
		lp->ops.prepare(lp->ops.arg, f, path);
	ret = lp->ops.attach(lp->ops.arg, f, path, err, sizeof(err));
	if (ret) {
		f->attach_err = ret;
		lp->stats.attach_failed++;
		if (lp->ops.note)
			lp->ops.note(lp->ops.arg, LIB_NOTE_ATTACH_FAILED, f,
				     pid, err[0] ? err : strerror(-ret));
		return;
	}
	f->attached = true;
	lp->stats.attached++;
	if (lp->ops.note)
		lp->ops.note(lp->ops.arg, LIB_NOTE_ATTACHED, f, pid, "");
}

/*
 * A path that opens the file pid maps: the mapping itself, even if the file
 * was replaced or deleted on disk since (that takes CAP_SYS_ADMIN), else
 * its name as pid sees it (its mount namespace, its root).
 */
static void map_files_path(char *buf, size_t len, uint32_t pid,
			   const struct proc_map *m)
{
	snprintf(buf, len, "/proc/%u/map_files/%llx-%llx", pid,
		 (unsigned long long)m->start, (unsigned long long)m->end);
	if (!access(buf, R_OK) || m->deleted)
		return;
	/* a path too long to open: the attach fails, and says so */
	if (snprintf(buf, len, "/proc/%u/root%s", pid, m->path) >= (int)len)
		buf[0] = '\0';
}

/* The kind a mapped file's name says it is, NULL if none. */
static const struct lib_kind *kind_by_name(const struct lib_probes *lp,
					   const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	for (size_t i = 0; i < lp->nkinds; i++)
		if (has_prefix_of(base, lp->kinds[i].prefixes))
			return &lp->kinds[i];
	return NULL;
}

/* A file this process maps executable, seen for the first time. */
static void file_new(struct lib_probes *lp, const struct proc_map *m,
		     const struct file_key *k, bool is_exe, uint32_t pid)
{
	const struct lib_kind *only = kind_by_name(lp, m->path);
	struct lib_file *f;
	char path[PATH_MAX];

	if (!only && !is_exe) {
		fixmap__put(lp->no_kind, k, NULL);
		return;
	}
	if (lp->nfiles == FILES_MAX)
		return;
	f = calloc(1, sizeof(*f));
	if (!f)
		return;
	map_files_path(path, sizeof(path), pid, m);
	if (!resolve(lp, path, only, f) || !(f->path = strdup(m->path))) {
		free(f);
		fixmap__put(lp->no_kind, k, NULL);
		return;
	}
	f->dev = k->dev;
	f->ino = k->ino;
	f->in_exe = !only;
	f->first_pid = pid;
	lp->files[lp->nfiles++] = f;
	lp->stats.files_found++;
	file_attach(lp, f, path, pid);
}

static int on_mapping(const struct proc_map *m, void *arg)
{
	struct scan *sc = arg;
	struct lib_probes *lp = sc->lp;
	struct file_key k = {
		.dev = (uint64_t)m->dev_major << 32 | m->dev_minor,
		.ino = m->inode,
	};
	struct lib_file *f;
	char path[PATH_MAX];

	if (!m->exec || (k.dev == sc->last.dev && k.ino == sc->last.ino))
		return 0;
	sc->last = k;
	f = file_find(lp, &k);
	if (!f) {
		if (fixmap__get(lp->no_kind, &k))
			return 0;
		file_new(lp, m, &k,
			 k.dev == sc->exe.dev && k.ino == sc->exe.ino, sc->pid);
		f = file_find(lp, &k);
		if (f && f->kind->host_wide && f->attached)
			sc->new_host_wide = true;
	} else if (!f->attached && !f->attach_err) {
		/*
		 * Its last user had ended; a new one came. Resolve again:
		 * the inode may since have been reused by another file.
		 */
		map_files_path(path, sizeof(path), sc->pid, m);
		if (resolve(lp, path, f->kind, f))
			file_attach(lp, f, path, sc->pid);
	}
	if (f && !f->kind->host_wide)
		file_add_pid(lp, f, sc->pid);
	return 0;
}

static int scan(struct lib_probes *lp, uint32_t pid, bool *ret_new_host_wide)
{
	struct scan sc = {
		.lp = lp,
		.pid = pid,
	};
	unsigned int nbad = 0;
	char path[64];
	struct stat st;
	int err;

	snprintf(path, sizeof(path), "/proc/%u/exe", pid);
	if (!stat(path, &st)) {
		sc.exe.dev =
			(uint64_t)major(st.st_dev) << 32 | minor(st.st_dev);
		sc.exe.ino = st.st_ino;
	}
	sc.last.ino = (uint64_t)-1;
	lp->stats.scans++;
	err = proc_maps__for_each(pid, on_mapping, &sc, &nbad);
	lp->stats.bad_lines += nbad;
	lp->stats.verdicts_evicted = fixmap__evicted(lp->no_kind);
	if (err)
		lp->stats.scan_errors++;
	if (ret_new_host_wide)
		*ret_new_host_wide = sc.new_host_wide;
	return err;
}

int lib_probes__scan_pid(struct lib_probes *lp, uint32_t pid)
{
	return scan(lp, pid, NULL);
}

static bool read_comm(uint32_t pid, char *comm, size_t len)
{
	ssize_t n = procfs__read(pid, "comm", comm, len - 1);

	if (n <= 0)
		return false;
	comm[n] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
	return true;
}

int lib_probes__scan_all(struct lib_probes *lp)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char comm[32] = "";
		char *end;
		unsigned long pid;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = strtoul(de->d_name, &end, 10);
		if (*end || !pid || pid > UINT32_MAX)
			continue;
		if (lp->ops.want && (!read_comm(pid, comm, sizeof(comm)) ||
				     !lp->ops.want(lp->ops.arg, pid, comm)))
			continue;
		if (!lib_probes__scan_pid(lp, pid))
			n++;
	}
	closedir(d);
	return n;
}

void lib_probes__mark(struct lib_probes *lp, uint32_t pid)
{
	for (size_t i = 0; i < lp->npending; i++)
		if (lp->pending[i] == pid)
			return;
	if (lp->npending < PENDING_MAX)
		lp->pending[lp->npending++] = pid;
}

static void rescan_later(struct lib_probes *lp, uint32_t pid, unsigned int step,
			 uint64_t now_ns)
{
	if (step >= LIB_RESCAN_STEPS)
		return;
	if (lp->nrescans == RESCANS_MAX) {
		lp->stats.rescans_dropped++;
		return;
	}
	lp->rescans[lp->nrescans++] = (struct rescan){
		.pid = pid,
		.step = step,
		.due_ns = now_ns + rescan_after_ns[step],
	};
}

void lib_probes__run_pending(struct lib_probes *lp, uint64_t now_ns)
{
	struct rescan due[RESCANS_MAX];
	size_t ndue = 0, keep = 0;
	bool fresh;

	for (size_t i = 0; i < lp->nrescans; i++) {
		if (lp->rescans[i].due_ns <= now_ns)
			due[ndue++] = lp->rescans[i];
		else
			lp->rescans[keep++] = lp->rescans[i];
	}
	lp->nrescans = keep;
	for (size_t i = 0; i < lp->npending; i++)
		if (!scan(lp, lp->pending[i], &fresh) && fresh)
			rescan_later(lp, lp->pending[i], 0, now_ns);
	lp->npending = 0;
	/* a process gone since is not looked for again */
	for (size_t i = 0; i < ndue; i++)
		if (!scan(lp, due[i].pid, NULL))
			rescan_later(lp, due[i].pid, due[i].step + 1, now_ns);
}

static void file_detach(struct lib_probes *lp, struct lib_file *f, uint32_t pid)
{
	if (!f->attached)
		return;
	lp->ops.detach(lp->ops.arg, f);
	f->attached = false;
	f->handle = NULL;
	lp->stats.detached++;
	if (lp->ops.note)
		lp->ops.note(lp->ops.arg, LIB_NOTE_DETACHED, f, pid, "");
}

/* Drop pid from f's users; detach f when it was the last. */
static void file_drop_pid(struct lib_probes *lp, struct lib_file *f,
			  uint32_t pid)
{
	for (size_t i = 0; i < f->npids; i++) {
		if (f->pids[i] != pid)
			continue;
		f->pids[i] = f->pids[--f->npids];
		if (!f->npids)
			file_detach(lp, f, pid);
		return;
	}
}

void lib_probes__pid_exit(struct lib_probes *lp, uint32_t pid)
{
	for (size_t i = 0; i < lp->nfiles; i++)
		file_drop_pid(lp, lp->files[i], pid);
	if (lp->ops.watch_pid)
		lp->ops.watch_pid(lp->ops.arg, pid, false);
}

static bool pid_gone(uint32_t pid)
{
	return kill((pid_t)pid, 0) && errno == ESRCH;
}

void lib_probes__prune(struct lib_probes *lp)
{
	for (size_t i = 0; i < lp->nfiles; i++) {
		struct lib_file *f = lp->files[i];

		for (size_t j = 0; j < f->npids;) {
			uint32_t pid = f->pids[j];

			if (!pid_gone(pid)) {
				j++;
				continue;
			}
			lib_probes__pid_exit(lp, pid);
		}
	}
}

size_t lib_probes__nfiles(const struct lib_probes *lp)
{
	return lp->nfiles;
}

const struct lib_file *lib_probes__file(const struct lib_probes *lp, size_t i)
{
	return i < lp->nfiles ? lp->files[i] : NULL;
}

const struct lib_probes_stats *lib_probes__stats(const struct lib_probes *lp)
{
	return &lp->stats;
}

void lib_probes__free(struct lib_probes *lp)
{
	if (!lp)
		return;
	for (size_t i = 0; i < lp->nfiles; i++) {
		struct lib_file *f = lp->files[i];

		if (f->attached)
			lp->ops.detach(lp->ops.arg, f);
		free(f->pids);
		free(f->path);
		free(f);
	}
	fixmap__free(lp->no_kind);
	free(lp);
}

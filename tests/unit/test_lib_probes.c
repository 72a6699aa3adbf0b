// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * lib_probes against real processes: this test binary maps the system's
 * libssl.so.3 (libcurl links it), and a forked child shares the mapping.
 * The attach ops are the test's own (no BPF here): they count and check
 * what the registry would attach.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"
#include "uprobes/lib_probes.h"
#include "util/elf_symbols.h"

#define SYS_LIBSSL "/usr/lib/x86_64-linux-gnu/libssl.so.3"

static const char *const ssl_prefixes[] = {"libssl.so", NULL};

static const struct lib_kind ssl_kind = {
	.name = "OpenSSL",
	.prefixes = ssl_prefixes,
	.funcs = {"SSL_read", "SSL_write", "SSL_read_ex", "SSL_write_ex"},
	.nfuncs = 4,
	.nrequired = 2,
};

/* a kind no file has: its required function does not exist */
static const struct lib_kind nothing_kind = {
	.name = "nothing",
	.prefixes = ssl_prefixes,
	.funcs = {"spantap_no_such_function"},
	.nfuncs = 1,
	.nrequired = 1,
};

static const char *const ld_prefixes[] = {"ld-linux", NULL};

/* OpenSSL and the dynamic linker, as spantap's TLS probes use them */
static const struct lib_kind ssl_and_ld_kinds[] = {
	{
		.name = "OpenSSL",
		.prefixes = ssl_prefixes,
		.funcs = {"SSL_read", "SSL_write"},
		.nfuncs = 2,
		.nrequired = 2,
	},
	{
		.name = "dynamic linker",
		.prefixes = ld_prefixes,
		.funcs = {"_dl_debug_state"},
		.nfuncs = 1,
		.nrequired = 1,
		.host_wide = true,
	},
};

struct rec {
	int attach_ret; /* what attach returns */
	int attaches, detaches, failed_notes, attached_notes, detached_notes;
	int watch_on, watch_off;
	uint64_t offs[LIB_KIND_MAX_FUNCS];
	char path[4096];
	uint32_t want_pid; /* 0: want all */
};

static int rec_attach(void *arg, struct lib_file *f, const char *path,
		      char *err, size_t errlen)
{
	struct rec *r = arg;

	r->attaches++;
	memcpy(r->offs, f->offs, sizeof(r->offs));
	snprintf(r->path, sizeof(r->path), "%s", path);
	if (r->attach_ret) {
		snprintf(err, errlen, "refused by the test");
		return r->attach_ret;
	}
	f->handle = r;
	return 0;
}

static void rec_detach(void *arg, struct lib_file *f)
{
	struct rec *r = arg;

	r->detaches++;
}

static void rec_watch(void *arg, uint32_t pid, bool on)
{
	struct rec *r = arg;

	if (on)
		r->watch_on++;
	else
		r->watch_off++;
}

static void rec_note(void *arg, enum lib_note what, const struct lib_file *f,
		     uint32_t pid, const char *err)
{
	struct rec *r = arg;

	if (what == LIB_NOTE_ATTACHED)
		r->attached_notes++;
	else if (what == LIB_NOTE_ATTACH_FAILED)
		r->failed_notes++;
	else if (what == LIB_NOTE_DETACHED)
		r->detached_notes++;
}

static bool rec_want(void *arg, uint32_t pid, const char *comm)
{
	struct rec *r = arg;

	return !r->want_pid || pid == r->want_pid;
}

static struct lib_probes *new_lp(const struct lib_kind *k, struct rec *r)
{
	struct lib_probes_ops ops = {
		.attach = rec_attach,
		.detach = rec_detach,
		.watch_pid = rec_watch,
		.note = rec_note,
		.want = rec_want,
		.arg = r,
	};

	return lib_probes__new(k, k == ssl_and_ld_kinds ? 2 : 1, &ops);
}

static const struct lib_file *file_of_kind(const struct lib_probes *lp,
					   const char *name)
{
	for (size_t i = 0; i < lib_probes__nfiles(lp); i++)
		if (!strcmp(lib_probes__file(lp, i)->kind->name, name))
			return lib_probes__file(lp, i);
	return NULL;
}

/* offsets of the kind's functions in the system libssl, by elf_syms */
static int sys_offsets(uint64_t *offs)
{
	struct elf_syms *e;
	int n;

	if (elf_syms__open(SYS_LIBSSL, &e))
		return -1;
	n = elf_syms__lookup(e, ssl_kind.funcs, ssl_kind.nfuncs, offs);
	elf_syms__close(e);
	return n;
}

TEST(lib_probes_finds_libssl_once_per_file)
{
	uint64_t want[LIB_KIND_MAX_FUNCS] = {};
	struct rec r = {};
	struct lib_probes *lp = new_lp(&ssl_kind, &r);
	const struct lib_file *f;

	ASSERT_TRUE(lp);
	ASSERT_EQ(sys_offsets(want), 4);
	ASSERT_EQ(lib_probes__scan_pid(lp, getpid()), 0);
	ASSERT_EQ(lib_probes__nfiles(lp), 1);
	ASSERT_EQ(r.attaches, 1);
	ASSERT_EQ(r.attached_notes, 1);
	ASSERT_EQ(r.watch_on, 1);
	ASSERT_MEMEQ(r.offs, want, sizeof(want));
	f = lib_probes__file(lp, 0);
	ASSERT_TRUE(f->attached);
	ASSERT_TRUE(!f->in_exe);
	ASSERT_EQ(f->nfound, 4);
	ASSERT_EQ(f->npids, 1);
	ASSERT_TRUE(strstr(f->path, "libssl.so.3") != NULL);

	/* a second look at the same process changes nothing */
	ASSERT_EQ(lib_probes__scan_pid(lp, getpid()), 0);
	ASSERT_EQ(r.attaches, 1);
	ASSERT_EQ(r.watch_on, 1);
	ASSERT_EQ(f->npids, 1);
	lib_probes__free(lp);
	ASSERT_EQ(r.detaches, 1);
}

TEST(lib_probes_detaches_after_last_user_and_comes_back)
{
	struct rec r = {};
	struct lib_probes *lp = new_lp(&ssl_kind, &r);
	const struct lib_file *f;
	pid_t child;
	int status;

	ASSERT_TRUE(lp);
	/* a child shares our libssl mapping: two users of one file */
	child = fork();
	ASSERT_TRUE(child >= 0);
	if (!child) {
		pause();
		_exit(0);
	}
	ASSERT_EQ(lib_probes__scan_pid(lp, getpid()), 0);
	ASSERT_EQ(lib_probes__scan_pid(lp, child), 0);
	ASSERT_EQ(r.attaches, 1);
	f = lib_probes__file(lp, 0);
	ASSERT_TRUE(f);
	ASSERT_EQ(f->npids, 2);

	/* the child dies without an exit event: prune finds it gone */
	kill(child, SIGKILL);
	ASSERT_EQ(waitpid(child, &status, 0), child);
	lib_probes__prune(lp);
	ASSERT_EQ(f->npids, 1);
	ASSERT_EQ(r.detaches, 0);

	/* the last user ends: let go */
	lib_probes__pid_exit(lp, getpid());
	ASSERT_EQ(f->npids, 0);
	ASSERT_TRUE(!f->attached);
	ASSERT_EQ(r.detaches, 1);
	ASSERT_EQ(r.detached_notes, 1);

	/* a new user of the same file: attached again */
	ASSERT_EQ(lib_probes__scan_pid(lp, getpid()), 0);
	ASSERT_EQ(r.attaches, 2);
	ASSERT_TRUE(f->attached);
	ASSERT_EQ(lib_probes__nfiles(lp), 1);
	lib_probes__free(lp);
	ASSERT_EQ(r.detaches, 2);
}

TEST(lib_probes_reports_a_failed_attach_once)
{
	struct rec r = {.attach_ret = -EPERM};
	struct lib_probes *lp = new_lp(&ssl_kind, &r);
	const struct lib_file *f;

	ASSERT_TRUE(lp);
	ASSERT_EQ(lib_probes__scan_pid(lp, getpid()), 0);
	ASSERT_EQ(lib_probes__scan_pid(lp, getpid()), 0);
	lib_probes__mark(lp, getpid());
	lib_probes__run_pending(lp, 0);
	ASSERT_EQ(r.attaches, 1);
	ASSERT_EQ(r.failed_notes, 1);
	ASSERT_EQ(r.watch_on, 0);
	f = lib_probes__file(lp, 0);
	ASSERT_TRUE(f && !f->attached);
	ASSERT_EQ(f->attach_err, -EPERM);
	ASSERT_EQ(lib_probes__stats(lp)->attach_failed, 1);
	lib_probes__free(lp);
	ASSERT_EQ(r.detaches, 0);
}

TEST(lib_probes_remembers_files_of_no_kind)
{
	struct rec r = {};
	struct lib_probes *lp = new_lp(&nothing_kind, &r);
	uint64_t checked;

	ASSERT_TRUE(lp);
	ASSERT_EQ(lib_probes__scan_pid(lp, getpid()), 0);
	checked = lib_probes__stats(lp)->files_checked;
	/* libssl by name, and our executable (maybe static OpenSSL) */
	ASSERT_TRUE(checked >= 1);
	ASSERT_EQ(lib_probes__nfiles(lp), 0);
	ASSERT_EQ(lib_probes__scan_pid(lp, getpid()), 0);
	ASSERT_EQ(lib_probes__stats(lp)->files_checked, checked);
	ASSERT_EQ(r.attaches, 0);
	lib_probes__free(lp);
}

TEST(lib_probes_scan_all_asks_want)
{
	struct rec r = {.want_pid = getpid()};
	struct lib_probes *lp = new_lp(&ssl_kind, &r);

	ASSERT_TRUE(lp);
	ASSERT_EQ(lib_probes__scan_all(lp), 1);
	ASSERT_EQ(lib_probes__stats(lp)->scans, 1);
	ASSERT_EQ(r.attaches, 1);
	lib_probes__free(lp);
}

TEST(lib_probes_gone_process)
{
	struct rec r = {};
	struct lib_probes *lp = new_lp(&ssl_kind, &r);
	pid_t child = fork();
	int status, err;

	ASSERT_TRUE(lp);
	ASSERT_TRUE(child >= 0);
	if (!child)
		_exit(0);
	ASSERT_EQ(waitpid(child, &status, 0), child);
	err = lib_probes__scan_pid(lp, child);
	ASSERT_TRUE(err == -ENOENT || err == -ESRCH);
	ASSERT_EQ(lib_probes__stats(lp)->scan_errors, 1);
	ASSERT_EQ(r.attaches, 0);
	lib_probes__free(lp);
}

/*
 * The dynamic linker this binary runs under is the host's: attached for
 * good, no process counted as its user; libssl has this process as its.
 */
TEST(lib_probes_host_wide_file_kept_without_users)
{
	struct rec r = {};
	struct lib_probes *lp = new_lp(ssl_and_ld_kinds, &r);
	const struct lib_file *ld, *ssl;

	ASSERT_TRUE(lp);
	ASSERT_EQ(lib_probes__scan_pid(lp, getpid()), 0);
	ASSERT_EQ(lib_probes__nfiles(lp), 2);
	ld = file_of_kind(lp, "dynamic linker");
	ssl = file_of_kind(lp, "OpenSSL");
	ASSERT_TRUE(ld && ld->attached && ld->offs[0]);
	ASSERT_TRUE(ssl && ssl->attached && ssl->npids == 1);
	ASSERT_EQ(r.attaches, 2);
	ASSERT_EQ(r.watch_on, 1);
	ASSERT_EQ(ld->npids, 0);
	lib_probes__pid_exit(lp, getpid());
	ASSERT_EQ(r.detaches, 1);
	ASSERT_TRUE(ld->attached);
	lib_probes__free(lp);
	ASSERT_EQ(r.detaches, 2);
}

/*
 * A process whose scan found the dynamic linker new may have mapped its
 * libraries before the probe went in: scanned again 20 ms, 200 ms and 2 s
 * later, and then no more.
 */
TEST(lib_probes_rescans_after_a_new_host_wide_file)
{
	static const uint64_t ms = 1000000;
	struct rec r = {};
	struct lib_probes *lp = new_lp(ssl_and_ld_kinds, &r);
	const uint64_t t0 = 1000 * ms;
	const struct lib_probes_stats *st;

	ASSERT_TRUE(lp);
	st = lib_probes__stats(lp);
	lib_probes__mark(lp, getpid());
	lib_probes__run_pending(lp, t0);
	ASSERT_EQ(st->scans, 1);
	lib_probes__run_pending(lp, t0 + 19 * ms);
	ASSERT_EQ(st->scans, 1);
	lib_probes__run_pending(lp, t0 + 20 * ms);
	ASSERT_EQ(st->scans, 2);
	lib_probes__run_pending(lp, t0 + 100 * ms);
	ASSERT_EQ(st->scans, 2);
	lib_probes__run_pending(lp, t0 + 220 * ms);
	ASSERT_EQ(st->scans, 3);
	lib_probes__run_pending(lp, t0 + 2220 * ms);
	ASSERT_EQ(st->scans, 4);
	lib_probes__run_pending(lp, t0 + 60000 * ms);
	ASSERT_EQ(st->scans, 4);
	/* the dynamic linker known: a process's scan is not repeated */
	lib_probes__mark(lp, getpid());
	lib_probes__run_pending(lp, t0 + 61000 * ms);
	lib_probes__run_pending(lp, t0 + 70000 * ms);
	ASSERT_EQ(st->scans, 5);
	ASSERT_EQ(r.attaches, 2);
	lib_probes__free(lp);
}

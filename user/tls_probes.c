// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loader.h"
#include "tls_probes.h"
#include "uprobes/lib_probes.h"
#include "util/log.h"
#include "util/x86_insn.h"

/* Forget processes whose exit event never came, this often. */
#define PRUNE_NS (10ULL * 1000000000ULL)

static const char *const openssl_prefixes[] = {"libssl.so", NULL};
static const char *const ldso_prefixes[] = {"ld-linux", "ld-musl", NULL};

enum { KIND_OPENSSL, KIND_LDSO };

static const struct lib_kind probe_kinds[] = {
	/*
	 * OpenSSL 1.1 and 3.x. The _ex forms came with 1.1.1; SSL_read and
	 * SSL_write are what make a file OpenSSL (NSS's libssl3.so has
	 * neither). SSL_connect and SSL_accept call SSL_do_handshake, which
	 * is enough.
	 */
	[KIND_OPENSSL] =
		{
			.name = "OpenSSL",
			.prefixes = openssl_prefixes,
			.funcs = {"SSL_read", "SSL_write", "SSL_read_ex",
				  "SSL_write_ex", "SSL_do_handshake"},
			.nfuncs = 5,
			.nrequired = 2,
		},
	/*
	 * The dynamic linker calls _dl_debug_state (its debugger hook; glibc
	 * and musl) once it has mapped a process's libraries, at start-up
	 * and on each dlopen: the time to look for new TLS libraries. A
	 * syscall tracepoint on mmap told it before, at the cost of every
	 * syscall of every process taking the kernel's slow path.
	 */
	[KIND_LDSO] =
		{
			.name = "dynamic linker",
			.prefixes = ldso_prefixes,
			.funcs = {"_dl_debug_state"},
			.nfuncs = 1,
			.nrequired = 1,
			.host_wide = true,
		},
};

/* BPF programs for the OpenSSL kind's funcs, in the same order */
static const char *const openssl_progs[][2] = {
	{"ssl_read_enter", "ssl_read_exit"},
	{"ssl_write_enter", "ssl_write_exit"},
	{"ssl_read_ex_enter", "ssl_read_ex_exit"},
	{"ssl_write_ex_enter", "ssl_write_ex_exit"},
	{"ssl_handshake_enter", "ssl_handshake_exit"},
};

/* ... and for the dynamic linker's: an entry probe alone */
static const char *const ldso_progs[][2] = {
	{"ldso_debug_state", NULL},
};

static const char *const (*const kind_progs[])[2] = {
	[KIND_OPENSSL] = openssl_progs,
	[KIND_LDSO] = ldso_progs,
};

enum { FN_READ, FN_WRITE, FN_READ_EX, FN_WRITE_EX };

struct tls_probes {
	struct loader *loader;
	struct tls_probes_opts opts;
	struct lib_probes *libs;
	uint64_t next_prune;
};

static int tp_attach(void *arg, struct lib_file *f, const char *path, char *err,
		     size_t errlen)
{
	struct tls_probes *tp = arg;
	struct uprobe_spec specs[LIB_KIND_MAX_FUNCS] = {};
	const char *const(*progs)[2] = kind_progs[f->kind - probe_kinds];
	struct uprobe_links *ul = NULL;
	int ret;

	for (unsigned int i = 0; i < f->kind->nfuncs; i++) {
		specs[i].offset = f->offs[i];
		specs[i].entry_prog = progs[i][0];
		specs[i].ret_prog = progs[i][1];
	}
	ret = loader__attach_uprobes(tp->loader, path, specs, f->kind->nfuncs,
				     &ul, err, errlen);
	if (ret)
		return ret;
	f->handle = ul;
	return 0;
}

/*
 * SSL_read_ex and SSL_read both call one internal function with
 * SSL_read_ex's arguments (ssl_read_internal; the same for writes). Where
 * the exported functions start with an instruction uprobes single-step
 * and the internal one with a push, which they emulate, probing the
 * internal function instead sees the same calls for a fraction of the
 * cost. Only done when both exported functions are seen to call it.
 */
static void prefer_internal(int fd, struct lib_file *f, int ex, int plain)
{
	uint8_t code[X86_INSN_WINDOW], head[2];
	int64_t rel;
	uint64_t target;

	if (!f->offs[ex] || !f->offs[plain] ||
	    pread(fd, code, sizeof(code), f->offs[ex]) != sizeof(code) ||
	    x86_insn__emulated(code, sizeof(code)) ||
	    x86_insn__leading_call(code, sizeof(code), &rel) ||
	    (rel < 0 && (uint64_t)-rel >= f->offs[ex]))
		return;
	target = f->offs[ex] + rel;
	if (pread(fd, head, sizeof(head), target) != sizeof(head) ||
	    !x86_insn__emulated(head, sizeof(head)) ||
	    pread(fd, code, sizeof(code), f->offs[plain]) != sizeof(code) ||
	    !x86_insn__has_call_to(code, sizeof(code),
				   (int64_t)(target - f->offs[plain])))
		return;
	f->offs[ex] = target;
	f->offs[plain] = 0;
	f->nmoved++;
}

static void tp_prepare(void *arg, struct lib_file *f, const char *path)
{
	int fd;

	if (f->kind != &probe_kinds[KIND_OPENSSL])
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	prefer_internal(fd, f, FN_READ_EX, FN_READ);
	prefer_internal(fd, f, FN_WRITE_EX, FN_WRITE);
	close(fd);
}

static void tp_detach(void *arg, struct lib_file *f)
{
	uprobe_links__free(f->handle);
}

static void tp_watch_pid(void *arg, uint32_t pid, bool on)
{
	struct tls_probes *tp = arg;

	loader__watch_pid(tp->loader, pid, on);
}

static const char *where(const struct lib_file *f)
{
	return f->in_exe ? "linked into" : "in";
}

static void tp_note(void *arg, enum lib_note what, const struct lib_file *f,
		    uint32_t pid, const char *err)
{
	struct tls_probes *tp = arg;

	if (f->kind->host_wide) {
		if (what == LIB_NOTE_ATTACHED)
			pr_debug("tls: watching the %s %s for the libraries "
				 "it loads\n",
				 f->kind->name, f->path);
		else if (what == LIB_NOTE_ATTACH_FAILED)
			pr_warn("tls: cannot probe the %s %s: %s; TLS "
				"libraries loaded through it from now on are "
				"not traced\n",
				f->kind->name, f->path, err);
		return;
	}
	switch (what) {
	case LIB_NOTE_ATTACHED:
		if (!tp->opts.quiet)
			pr_info("tls: probing %s %s %s (%u of %u functions%s; "
				"first user pid %u)\n",
				f->kind->name, where(f), f->path, f->nfound,
				f->kind->nfuncs,
				f->nmoved ? ", reads and writes at their "
					    "internal functions"
					  : "",
				pid);
		break;
	case LIB_NOTE_ATTACH_FAILED:
		pr_warn("tls: cannot probe %s %s %s (pid %u): %s; its TLS "
			"traffic is not traced\n",
			f->kind->name, where(f), f->path, pid, err);
		break;
	case LIB_NOTE_DETACHED:
		pr_debug("tls: %s no longer in use, probes removed\n", f->path);
		break;
	}
}

static bool tp_want(void *arg, uint32_t pid, const char *comm)
{
	struct tls_probes *tp = arg;
	const struct tls_probes_opts *o = &tp->opts;
	bool ok = !o->npids;

	for (size_t i = 0; i < o->npids && !ok; i++)
		ok = o->pids[i] == pid;
	if (!ok)
		return false;
	if (!o->ncomms)
		return true;
	for (size_t i = 0; i < o->ncomms; i++)
		if (!strncmp(o->comms[i], comm, ST_COMM_LEN - 1))
			return true;
	return false;
}

struct tls_probes *tls_probes__new(struct loader *l,
				   const struct tls_probes_opts *o)
{
	struct tls_probes *tp = calloc(1, sizeof(*tp));
	struct lib_probes_ops ops = {
		.attach = tp_attach,
		.detach = tp_detach,
		.prepare = tp_prepare,
		.watch_pid = tp_watch_pid,
		.note = tp_note,
		.want = tp_want,
	};

	if (!tp)
		return NULL;
	tp->loader = l;
	tp->opts = *o;
	ops.arg = tp;
	tp->libs = lib_probes__new(probe_kinds,
				   sizeof(probe_kinds) / sizeof(probe_kinds[0]),
				   &ops);
	if (!tp->libs) {
		free(tp);
		errno = ENOMEM;
		return NULL;
	}
	return tp;
}

int tls_probes__start(struct tls_probes *tp)
{
	/*
	 * spantap's own maps, whatever the filters: its dynamic linker is
	 * the host's, so the first matching process to start is seen loading
	 * its libraries; and so is its libssl (mapped through libcurl),
	 * probed now, before a process that starts later uses it. Found at
	 * that process's start instead, a short-lived client (curl) was gone
	 * before its probes were in, and its TLS went untraced. The BPF side
	 * drops spantap's own calls.
	 */
	lib_probes__scan_pid(tp->libs, getpid());
	return lib_probes__scan_all(tp->libs);
}

void tls_probes__event(struct tls_probes *tp, const struct st_proc_event *e)
{
	switch (e->hdr.type) {
	case ST_EV_PROC_EXEC:
	case ST_EV_PROC_MMAP:
		lib_probes__mark(tp->libs, e->pid);
		break;
	case ST_EV_PROC_EXIT:
		lib_probes__pid_exit(tp->libs, e->pid);
		break;
	}
}

void tls_probes__tick(struct tls_probes *tp, uint64_t now_ns)
{
	lib_probes__run_pending(tp->libs, now_ns);
	if (now_ns < tp->next_prune)
		return;
	lib_probes__prune(tp->libs);
	tp->next_prune = now_ns + PRUNE_NS;
}

void tls_probes__list(const struct tls_probes *tp, FILE *out)
{
	size_t n = lib_probes__nfiles(tp->libs), nlibs = 0;

	for (size_t i = 0; i < n; i++) {
		const struct lib_file *f = lib_probes__file(tp->libs, i);
		const char *state = f->attached ? "attached" : "not attached: ";
		const char *why = f->attached ? "" : strerror(-f->attach_err);

		if (f->kind->host_wide) {
			fprintf(out,
				"    %s %s: %s%s (says when processes "
				"load libraries)\n",
				f->kind->name, f->path, state, why);
			continue;
		}
		nlibs++;
		fprintf(out,
			"    %s %s %s: %u of %u functions, %llu processes, "
			"%s%s\n",
			f->kind->name, where(f), f->path, f->nfound,
			f->kind->nfuncs, (unsigned long long)f->pids_seen,
			state, why);
	}
	if (!nlibs)
		fprintf(out, "    no TLS library in the running processes\n");
}

void tls_probes__report(const struct tls_probes *tp, FILE *out)
{
	const struct lib_probes_stats *s = lib_probes__stats(tp->libs);

	fprintf(out,
		"spantap: tls: files_found=%llu, attached=%llu, "
		"attach_failed=%llu, detached=%llu, scans=%llu, "
		"scan_errors=%llu, files_checked=%llu, rescans_dropped=%llu, "
		"calls_open=%llu\n",
		(unsigned long long)s->files_found,
		(unsigned long long)s->attached,
		(unsigned long long)s->attach_failed,
		(unsigned long long)s->detached, (unsigned long long)s->scans,
		(unsigned long long)s->scan_errors,
		(unsigned long long)s->files_checked,
		(unsigned long long)s->rescans_dropped,
		(unsigned long long)loader__tls_calls_open(tp->loader));
}

void tls_probes__free(struct tls_probes *tp)
{
	if (!tp)
		return;
	lib_probes__free(tp->libs);
	free(tp);
}

// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "loader.h"
#include "spantap.skel.h"
#include "util/log.h"

struct loader {
	struct spantap_bpf *skel;
	enum attach_mode mode;
	const char *io_desc; /* how the data syscalls are seen; NULL: socket */
	struct bpf_link **links;
	unsigned int nattached;
	int ncpus;
	/*
	 * The processes --pid selected, or none: uprobes are then attached
	 * to these alone, so that no other process takes their traps.
	 */
	uint32_t *pids;
	size_t npids;
};

/* "tracepoint/syscalls/sys_enter_read" -> does tracefs know the event? */
static bool tracepoint_exists(const char *sec)
{
	char path[256];

	if (strncmp(sec, "tracepoint/", 11))
		return false;
	snprintf(path, sizeof(path), TRACEFS_PATH "/events/%s", sec + 11);
	return access(path, F_OK) == 0;
}

static bool is_uprobe(const struct bpf_program *prog)
{
	const char *sec = bpf_program__section_name(prog);

	return !strncmp(sec, "uprobe", 6) || !strncmp(sec, "uretprobe", 9);
}

/*
 * The programs that only matter when TLS libraries are probed. (A
 * process's exit also forgets it in known_pids, whatever the TLS.)
 */
static bool for_tls(const struct bpf_program *prog)
{
	return is_uprobe(prog) ||
	       !strcmp(bpf_program__name(prog), "tp_sched_process_exec");
}

static bool sec_starts(const struct bpf_program *prog, const char *prefix)
{
	return !strncmp(bpf_program__section_name(prog), prefix,
			strlen(prefix));
}

/* The socket layer's programs, by the means they attach with */
static bool is_fentry(const struct bpf_program *prog)
{
	return sec_starts(prog, "fentry/") || sec_starts(prog, "fexit/");
}

static bool is_kprobe(const struct bpf_program *prog)
{
	return sec_starts(prog, "kprobe/") || sec_starts(prog, "kretprobe/");
}

/* The syscall tracepoints that carry data: tracepoint mode's own. */
static bool is_tp_data(const struct bpf_program *prog)
{
	static const char *const calls[] = {
		"read",	   "write", "recvfrom", "sendto",     "recvmsg",
		"sendmsg", "readv", "writev",	"sendfile64", "close",
	};
	const char *sec = bpf_program__section_name(prog);
	const char *p;

	if (strncmp(sec, "tracepoint/syscalls/sys_", 24))
		return false;
	p = sec + 24;
	if (!strncmp(p, "enter_", 6))
		p += 6;
	else if (!strncmp(p, "exit_", 5))
		p += 5;
	else
		return false;
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		if (!strcmp(p, calls[i]))
			return true;
	return false;
}

/* The data calls' entry/exit pairs, which the exit-only programs replace */
static bool is_io_pair(const struct bpf_program *prog)
{
	return is_tp_data(prog) &&
	       !sec_starts(prog, "tracepoint/syscalls/sys_enter_close");
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/*
 * Reads and writes can be seen by their exit alone where a tracepoint
 * program may ask for the thread's saved registers (5.15+).
 */
static bool probe_exit_only_io(void)
{
	return libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT,
				       BPF_FUNC_task_pt_regs, NULL) > 0 &&
	       libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT,
				       BPF_FUNC_get_current_task_btf, NULL) > 0;
}

/*
 * The exit programs' fd walk can load through BTF pointers directly where
 * the kernel has bpf_rdonly_cast (6.2+) to type the untyped links.
 */
static bool has_rdonly_cast(const struct btf *vml)
{
	return vml &&
	       btf__find_by_name_kind(vml, "bpf_rdonly_cast", BTF_KIND_FUNC) > 0;
}

/* How the data syscalls are seen: which of the three sets to load */
enum io_flavour {
	IO_PAIRS,     /* entry parks the arguments, exit sends (before 5.15) */
	IO_EXIT,      /* exit sends, arguments from saved registers */
	IO_EXIT_BTF,  /* the same, the fd walk by direct loads (6.2+) */
	IO_SOCK_TP,   /* attach mode sock-tracepoint: no syscall hooked */
};

/* What spantap check says of each */
static const char *const io_descs[] = {
	[IO_PAIRS] = "entry parks the arguments, exit sends (before 5.15)",
	[IO_EXIT] = "at their exit, arguments from the saved registers "
		    "(5.15+)",
	[IO_EXIT_BTF] = "at their exit, arguments from the saved registers, "
			"fd walk by direct BTF loads (6.2+)",
	[IO_SOCK_TP] = "at sock:sock_send_length/sock_recv_length, the "
		       "socket given, arguments from the saved registers",
};

/*
 * The socket tracepoints' mode: its own programs, and of the others only
 * what hooks no syscall for data (TCP states are its own too), and the
 * process watch.
 */
static bool in_sock_tp_mode(const struct bpf_program *prog)
{
	const char *name = bpf_program__name(prog);

	if (sec_starts(prog, "tp_btf/"))
		return true;
	if (is_fentry(prog) || is_kprobe(prog) ||
	    !strcmp(name, "tp_inet_sock_set_state"))
		return false;
	return !sec_starts(prog, "tracepoint/syscalls/");
}

/* Whether the program belongs to the attach mode (and flavour) asked for. */
static bool in_mode(const struct bpf_program *prog, const struct loader_opts *o,
		    enum io_flavour io)
{
	const char *name = bpf_program__name(prog);
	bool sock = o->mode == ATTACH_MODE_SOCKET;

	if (o->mode == ATTACH_MODE_SOCK_TP)
		return in_sock_tp_mode(prog);
	/*
	 * The socket mode learns roles and ends from TCP's states, as the
	 * socket tracepoints' mode does: a syscall tracepoint, even one on
	 * accept or connect, sends every syscall of every process on the
	 * host down the kernel's traced path.
	 */
	if (sec_starts(prog, "tp_btf/"))
		return sock && !strcmp(name, "stp_tcp_state");
	if (sock && (sec_starts(prog, "tracepoint/syscalls/") ||
		     !strcmp(name, "tp_inet_sock_set_state")))
		return false;
	if (ends_with(name, "_btf"))
		return !sock && io == IO_EXIT_BTF;
	/* its twin tp_enter_close_btf takes over with the BTF walk */
	if (sec_starts(prog, "tracepoint/syscalls/sys_enter_close"))
		return !sock && io != IO_EXIT_BTF;
	if (ends_with(name, "_done"))
		return !sock && io == IO_EXIT;
	if (is_io_pair(prog))
		return !sock && io == IO_PAIRS;

	if (is_fentry(prog))
		return sock && o->fentry;
	if (is_kprobe(prog))
		return sock && !o->fentry;
	if (is_tp_data(prog))
		return !sock;
	return true;
}

/* The kernel function a socket-layer program hooks, from its section. */
static const char *hooked_func(const struct bpf_program *prog)
{
	const char *sec = bpf_program__section_name(prog);
	const char *slash = strchr(sec, '/');

	return slash ? slash + 1 : sec;
}

/*
 * Programs of other modes are not loaded. Tracepoints whose event the
 * kernel lacks (e.g. accept on arches that only have accept4), and
 * socket-layer hooks on functions it lacks (tcp_sendpage, gone in 6.5,
 * when sendfile came to use tcp_sendmsg), are not loaded, with a note;
 * every other program must attach or the start fails. Uprobes are loaded
 * here and attached later, to the library files the agent finds. Returns
 * how the data syscalls will be seen, or NULL in the socket mode.
 */
static const char *select_programs(struct spantap_bpf *skel,
				   const struct loader_opts *o,
				   const struct btf *vml)
{
	enum io_flavour io = !probe_exit_only_io() ? IO_PAIRS
			     : has_rdonly_cast(vml)  ? IO_EXIT_BTF
						     : IO_EXIT;
	struct bpf_program *prog;

	bpf_object__for_each_program (prog, skel->obj) {
		const char *sec = bpf_program__section_name(prog);
		bool keep = in_mode(prog, o, io) &&
			    (o->tls || !for_tls(prog));

		if (keep && (is_fentry(prog) || is_kprobe(prog)) &&
		    (!vml || btf__find_by_name_kind(vml, hooked_func(prog),
						    BTF_KIND_FUNC) <= 0)) {
			pr_debug("kernel has no %s, not hooking it\n",
				 hooked_func(prog));
			keep = false;
		} else if (keep && sec_starts(prog, "tracepoint/") &&
			   !tracepoint_exists(sec)) {
			pr_info("kernel has no %s, not tracing it\n", sec + 11);
			keep = false;
		}
		bpf_program__set_autoload(prog, keep);
	}
	if (o->mode == ATTACH_MODE_SOCK_TP)
		return io_descs[IO_SOCK_TP];
	return o->mode == ATTACH_MODE_SOCKET ? NULL : io_descs[io];
}

/*
 * The socket tracepoints find a transfer's buffer from the syscall the
 * thread is in: tell them the numbers of ours, as this architecture has
 * them. Anything else moving bytes is counted, not copied.
 */
static void fill_syscall_sources(volatile __u8 *t, size_t n)
{
	static const struct {
		long nr;
		__u8 source;
	} calls[] = {
		{SYS_read, ST_SRC_READ},	 {SYS_write, ST_SRC_WRITE},
		{SYS_recvfrom, ST_SRC_RECVFROM}, {SYS_sendto, ST_SRC_SENDTO},
		{SYS_recvmsg, ST_SRC_RECVMSG},	 {SYS_sendmsg, ST_SRC_SENDMSG},
		{SYS_readv, ST_SRC_READV},	 {SYS_writev, ST_SRC_WRITEV},
		{SYS_sendfile, ST_SRC_SENDFILE},
	};

	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		if (calls[i].nr >= 0 && (size_t)calls[i].nr < n)
			t[calls[i].nr] = calls[i].source;
}

/* tcp_recvmsg lost its nonblock argument in 5.19: count them in BTF. */
static __u32 recvmsg_nargs(const struct btf *vml)
{
	const struct btf_type *t;
	int id;

	if (!vml)
		return 5;
	id = btf__find_by_name_kind(vml, "tcp_recvmsg", BTF_KIND_FUNC);
	if (id <= 0)
		return 5;
	t = btf__type_by_id(vml, btf__type_by_id(vml, id)->type);
	return t && btf_vlen(t) == 6 ? 6 : 5;
}

static int fill_filters(struct spantap_bpf *skel, const struct loader_opts *o)
{
	__u8 one = 1;
	size_t i;

	for (i = 0; i < o->npids; i++)
		if (bpf_map__update_elem(skel->maps.pid_filter, &o->pids[i],
					 sizeof(o->pids[i]), &one, 1, BPF_ANY))
			return -errno;
	for (i = 0; i < o->ncomms; i++)
		if (bpf_map__update_elem(skel->maps.comm_filter, o->comms[i],
					 ST_COMM_LEN, &one, 1, BPF_ANY))
			return -errno;
	for (i = 0; i < o->nports; i++)
		if (bpf_map__update_elem(skel->maps.port_filter, &o->ports[i],
					 sizeof(o->ports[i]), &one, 1, BPF_ANY))
			return -errno;
	return 0;
}

static int attach_programs(struct loader *l, char *errbuf, size_t errlen)
{
	struct bpf_program *prog;
	size_t n = 0;

	bpf_object__for_each_program (prog, l->skel->obj)
		n++;
	l->links = calloc(n, sizeof(*l->links));
	if (!l->links)
		return -ENOMEM;
	bpf_object__for_each_program (prog, l->skel->obj) {
		struct bpf_link *link;

		if (!bpf_program__autoload(prog) || is_uprobe(prog))
			continue;
		link = bpf_program__attach(prog);
		if (!link) {
			int err = -errno;

			snprintf(errbuf, errlen, "cannot attach %s: %s",
				 bpf_program__section_name(prog),
				 strerror(-err));
			return err;
		}
		l->links[l->nattached++] = link;
	}
	return 0;
}

int loader__start(const struct loader_opts *o, struct loader **ret,
		  char *errbuf, size_t errlen)
{
	struct btf *vml;
	struct loader *l;
	int err;

	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->mode = o->mode;
	if (o->npids) {
		l->pids = calloc(o->npids, sizeof(*l->pids));
		if (!l->pids) {
			err = -ENOMEM;
			snprintf(errbuf, errlen, "out of memory");
			goto cleanup;
		}
		memcpy(l->pids, o->pids, o->npids * sizeof(*l->pids));
		l->npids = o->npids;
	}
	l->ncpus = libbpf_num_possible_cpus();
	if (l->ncpus <= 0) {
		err = l->ncpus ? l->ncpus : -EINVAL;
		snprintf(errbuf, errlen, "cannot count CPUs: %s",
			 strerror(-err));
		goto cleanup;
	}

	l->skel = spantap_bpf__open();
	if (!l->skel) {
		err = -errno;
		snprintf(errbuf, errlen, "cannot open the BPF object: %s",
			 strerror(-err));
		goto cleanup;
	}
	l->skel->rodata->self_tgid = getpid();
	l->skel->rodata->filter_pids = o->npids > 0;
	l->skel->rodata->filter_comms = o->ncomms > 0;
	l->skel->rodata->filter_ports = o->nports > 0;
	l->skel->rodata->payload_cap = o->payload_cap;
	/* wake the reader at a quarter full; it also polls every 50 ms */
	l->skel->rodata->wakeup_bytes = o->ringbuf_bytes / 4;
	err = bpf_map__set_max_entries(l->skel->maps.events, o->ringbuf_bytes);
	if (err) {
		snprintf(errbuf, errlen, "ring buffer size %u refused: %s",
			 o->ringbuf_bytes, strerror(-err));
		goto cleanup;
	}
	vml = btf__load_vmlinux_btf();
	l->skel->rodata->recvmsg_nargs = recvmsg_nargs(vml);
	fill_syscall_sources(l->skel->rodata->syscall_source,
			     sizeof(l->skel->rodata->syscall_source));
	l->io_desc = select_programs(l->skel, o, vml);
	btf__free(vml);

	err = spantap_bpf__load(l->skel);
	if (err) {
		snprintf(errbuf, errlen,
			 "the kernel refused the BPF programs (%s); run with "
			 "-v to see the verifier's log",
			 strerror(-err));
		goto cleanup;
	}
	err = fill_filters(l->skel, o);
	if (err) {
		snprintf(errbuf, errlen, "cannot fill the filter maps: %s",
			 strerror(-err));
		goto cleanup;
	}
	err = attach_programs(l, errbuf, errlen);
	if (err)
		goto cleanup;
	*ret = l;
	return 0;

cleanup:
	loader__free(l);
	return err;
}

int loader__ringbuf_fd(const struct loader *l)
{
	return bpf_map__fd(l->skel->maps.events);
}

uint64_t loader__tls_calls_open(const struct loader *l)
{
	if (!l || !l->skel->bss)
		return 0;
	return __atomic_load_n(&l->skel->bss->ssl_calls_open, __ATOMIC_RELAXED);
}

void loader__skip_other_proto(struct loader *l, uint64_t conn_id, bool tls)
{
	if (!l || !l->skel->bss)
		return;
	__atomic_store_n(
		&l->skel->bss->other_proto_conns[ST_OTHER_PROTO_SLOT(conn_id)],
		tls ? ~conn_id : conn_id, __ATOMIC_RELAXED);
}

void loader__know_pid(struct loader *l, uint32_t pid)
{
	if (!l || !l->skel->bss || !pid)
		return;
	__atomic_store_n(&l->skel->bss->known_pids[ST_KNOWN_PID_SLOT(pid)], pid,
			 __ATOMIC_RELAXED);
}

int loader__read_stats(const struct loader *l, uint64_t *out)
{
	uint64_t *vals;
	int fd = bpf_map__fd(l->skel->maps.stats), err = 0;

	vals = calloc(l->ncpus, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (__u32 k = 0; k < ST_STAT__MAX; k++) {
		out[k] = 0;
		if (bpf_map_lookup_elem(fd, &k, vals)) {
			err = -errno;
			break;
		}
		for (int c = 0; c < l->ncpus; c++)
			out[k] += vals[c];
	}
	free(vals);
	return err;
}

enum attach_mode loader__mode(const struct loader *l)
{
	return l->mode;
}

const char *loader__io_desc(const struct loader *l)
{
	return l->io_desc;
}

unsigned int loader__nattached(const struct loader *l)
{
	return l->nattached;
}

struct uprobe_links {
	size_t n;
	struct bpf_link *links[];
};

/*
 * One probe on every process that maps path (pid -1), or on each selected
 * process: links[] has room for one link a pid, *n counts those made. A
 * selected process that is gone has none.
 */
static int attach_one(struct loader *l, const char *prog_name, const char *path,
		      uint64_t offset, bool ret, struct bpf_link **links,
		      size_t *n, char *errbuf, size_t errlen)
{
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = ret);
	size_t npids = l->npids ? l->npids : 1;
	struct bpf_program *prog;
	int err;

	prog = bpf_object__find_program_by_name(l->skel->obj, prog_name);
	if (!prog || !bpf_program__autoload(prog)) {
		snprintf(errbuf, errlen, "no BPF program %s loaded", prog_name);
		return -ENOENT;
	}
	for (size_t i = 0; i < npids; i++) {
		pid_t pid = l->npids ? (pid_t)l->pids[i] : -1;

		links[*n] = bpf_program__attach_uprobe_opts(prog, pid, path,
							    offset, &opts);
		if (links[*n]) {
			(*n)++;
			continue;
		}
		err = -errno;
		if (err == -ESRCH && pid > 0)
			continue;
		snprintf(errbuf, errlen, "%s at offset 0x%llx: %s",
			 ret ? "uretprobe" : "uprobe",
			 (unsigned long long)offset, strerror(-err));
		return err;
	}
	return 0;
}

int loader__attach_uprobes(struct loader *l, const char *path,
			   const struct uprobe_spec *specs, size_t n,
			   struct uprobe_links **ret, char *errbuf,
			   size_t errlen)
{
	size_t npids = l->npids ? l->npids : 1;
	struct uprobe_links *ul;
	int err = 0;

	ul = calloc(1, sizeof(*ul) + 2 * n * npids * sizeof(ul->links[0]));
	if (!ul)
		return -ENOMEM;
	for (size_t i = 0; i < n && !err; i++) {
		if (!specs[i].offset)
			continue;
		err = attach_one(l, specs[i].entry_prog, path, specs[i].offset,
				 false, ul->links, &ul->n, errbuf, errlen);
		if (err || !specs[i].ret_prog)
			continue;
		err = attach_one(l, specs[i].ret_prog, path, specs[i].offset,
				 true, ul->links, &ul->n, errbuf, errlen);
	}
	if (err) {
		uprobe_links__free(ul);
		return err;
	}
	*ret = ul;
	return 0;
}

void uprobe_links__free(struct uprobe_links *ul)
{
	if (!ul)
		return;
	for (size_t i = 0; i < ul->n; i++)
		bpf_link__destroy(ul->links[i]);
	free(ul);
}

int loader__watch_pid(struct loader *l, uint32_t pid, bool on)
{
	__u8 one = 1;
	int err;

	if (on)
		err = bpf_map__update_elem(l->skel->maps.watched_pids, &pid,
					   sizeof(pid), &one, 1, BPF_ANY);
	else
		err = bpf_map__delete_elem(l->skel->maps.watched_pids, &pid,
					   sizeof(pid), 0);
	return err;
}

void loader__free(struct loader *l)
{
	if (!l)
		return;
	for (unsigned int i = 0; i < l->nattached; i++)
		bpf_link__destroy(l->links[i]);
	free(l->links);
	free(l->pids);
	spantap_bpf__destroy(l->skel);
	free(l);
}

// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "kernel_features.h"

#define ST_CAP_SYS_ADMIN 21
#define ST_CAP_PERFMON 38
#define ST_CAP_BPF 39

static bool has_cap(const struct __user_cap_data_struct *d, int cap)
{
	return d[cap / 32].effective & (1u << (cap % 32));
}

static bool probe_privileged(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2] = {};

	if (syscall(SYS_capget, &h, d))
		return geteuid() == 0;
	if (has_cap(d, ST_CAP_SYS_ADMIN))
		return true;
	return has_cap(d, ST_CAP_BPF) && has_cap(d, ST_CAP_PERFMON);
}

static bool path_exists(const char *p)
{
	return access(p, F_OK) == 0;
}

static void probe_tracefs(struct kernel_features *f, bool mount_it)
{
	if (path_exists(TRACEFS_PATH "/events")) {
		f->tracefs = true;
		return;
	}
	if (!mount_it)
		return;
	if (mount("nodev", TRACEFS_PATH, "tracefs", 0, NULL)) {
		f->tracefs_errno = errno;
		return;
	}
	f->tracefs = path_exists(TRACEFS_PATH "/events");
	f->tracefs_mounted_now = f->tracefs;
}

/*
 * Whether a two-insn tracing program of attach type at loads and attaches
 * to the kernel's BTF type btf_id: only trying tells.
 */
static bool probe_tracing_attach(enum bpf_attach_type at, int btf_id,
				 const char *name)
{
	struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = at,
		    .attach_btf_id = btf_id);
	int prog_fd, link_fd;

	if (btf_id <= 0)
		return false;
	prog_fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, name, "GPL", insns, 2,
				&opts);
	if (prog_fd < 0)
		return false;
	link_fd = bpf_raw_tracepoint_open(NULL, prog_fd);
	if (link_fd >= 0)
		close(link_fd);
	close(prog_fd);
	return link_fd >= 0;
}

/* fentry needs a trampoline for the arch and a kernel built with it. */
static bool probe_fentry(const struct btf *vml)
{
	return probe_tracing_attach(
		BPF_TRACE_FENTRY,
		btf__find_by_name_kind(vml, "tcp_sendmsg", BTF_KIND_FUNC),
		"st_probe_fentry");
}

/*
 * The socket tracepoints are attached by BTF (tp_btf): the kernel's BTF
 * must name all three, and a raw tracepoint link take a tracing program.
 */
static bool probe_sock_io_tracepoints(const struct btf *vml)
{
	static const char *const events[] = {
		"btf_trace_sock_send_length",
		"btf_trace_sock_recv_length",
		"btf_trace_inet_sock_set_state",
	};
	int id[sizeof(events) / sizeof(events[0])];

	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		id[i] = btf__find_by_name_kind(vml, events[i],
					       BTF_KIND_TYPEDEF);
		if (id[i] <= 0)
			return false;
	}
	if (!probe_tracing_attach(BPF_TRACE_RAW_TP, id[0], "st_probe_socktp"))
		return false;
	/* libbpf cannot probe a tracing program's helpers: ask a tracepoint */
	return libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT,
				       BPF_FUNC_task_pt_regs, NULL) > 0;
}

void kernel_features__probe(struct kernel_features *f, bool mount_tracefs)
{
	struct utsname u;

	memset(f, 0, sizeof(*f));
	if (!uname(&u))
		snprintf(f->release, sizeof(f->release), "%s", u.release);
	f->privileged = probe_privileged();
	f->btf = path_exists("/sys/kernel/btf/vmlinux");
	if (f->privileged)
		f->ringbuf = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF,
						       NULL) > 0;
	probe_tracefs(f, mount_tracefs && f->privileged);
	if (f->tracefs) {
		f->syscall_tracepoints =
			path_exists(TRACEFS_PATH
				    "/events/syscalls/sys_enter_read") &&
			path_exists(TRACEFS_PATH
				    "/events/syscalls/sys_exit_read");
		f->sock_tracepoint = path_exists(
			TRACEFS_PATH "/events/sock/inet_sock_set_state");
	}
	/* the perf PMUs that kprobe and uprobe links are made on */
	f->kprobes = path_exists("/sys/bus/event_source/devices/kprobe");
	f->uprobes = path_exists("/sys/bus/event_source/devices/uprobe");
	if (f->privileged && f->btf) {
		struct btf *vml = btf__load_vmlinux_btf();

		if (vml) {
			f->fentry = probe_fentry(vml);
			f->sock_io_tracepoints = probe_sock_io_tracepoints(vml);
		}
		btf__free(vml);
	}
}

const char *attach_mode__name(enum attach_mode m)
{
	switch (m) {
	case ATTACH_MODE_AUTO:
		return "auto";
	case ATTACH_MODE_TRACEPOINT:
		return "tracepoint";
	case ATTACH_MODE_SOCKET:
		return "socket";
	case ATTACH_MODE_FENTRY:
		return "fentry";
	case ATTACH_MODE_KPROBE:
		return "kprobe";
	case ATTACH_MODE_SOCK_TP:
		return "sock-tracepoint";
	}
	return "?";
}

int attach_mode__parse(const char *s, enum attach_mode *ret_mode)
{
	if (!strcmp(s, "auto"))
		*ret_mode = ATTACH_MODE_AUTO;
	else if (!strcmp(s, "tracepoint"))
		*ret_mode = ATTACH_MODE_TRACEPOINT;
	else if (!strcmp(s, "socket"))
		*ret_mode = ATTACH_MODE_SOCKET;
	else if (!strcmp(s, "fentry"))
		*ret_mode = ATTACH_MODE_FENTRY;
	else if (!strcmp(s, "kprobe"))
		*ret_mode = ATTACH_MODE_KPROBE;
	else if (!strcmp(s, "sock-tracepoint"))
		*ret_mode = ATTACH_MODE_SOCK_TP;
	else
		return -EINVAL;
	return 0;
}

int kernel_features__choose_mode(const struct kernel_features *f,
				 enum attach_mode requested,
				 enum attach_mode *ret_mode, bool *ret_fentry,
				 const char **ret_missing)
{
	bool sock_layer = f->fentry || f->kprobes;
	const char *missing = NULL;

	/*
	 * In the socket mode, accept, connect and the process events stay
	 * on syscall tracepoints, so every thread on the host takes the
	 * traced syscall path; the socket tracepoints hook no syscall.
	 */
	if (requested == ATTACH_MODE_AUTO)
		requested = f->sock_io_tracepoints ? ATTACH_MODE_SOCK_TP
			    : sock_layer	   ? ATTACH_MODE_SOCKET
						   : ATTACH_MODE_TRACEPOINT;
	if (!f->privileged)
		missing = "privileges (run as root, or with CAP_BPF and "
			  "CAP_PERFMON)";
	else if (!f->btf)
		missing = "kernel BTF (/sys/kernel/btf/vmlinux; "
			  "CONFIG_DEBUG_INFO_BTF=y)";
	else if (!f->ringbuf)
		missing = "BPF ring buffer (kernel 5.8 or later)";
	else if (!f->tracefs)
		missing = "tracefs (mount -t tracefs nodev " TRACEFS_PATH ")";
	else if (requested == ATTACH_MODE_SOCK_TP && !f->sock_io_tracepoints)
		missing = "the socket tracepoints sock:sock_send_length and "
			  "sock:sock_recv_length, attached by BTF (newer "
			  "kernels); --attach-mode tracepoint works here";
	else if (requested != ATTACH_MODE_SOCK_TP && !f->syscall_tracepoints)
		missing = "syscall tracepoints (CONFIG_FTRACE_SYSCALLS=y)";
	else if (requested == ATTACH_MODE_SOCKET && !sock_layer)
		missing = "kprobes or fentry for the socket mode "
			  "(CONFIG_KPROBES=y, or BPF trampolines); "
			  "--attach-mode tracepoint works here";
	else if (requested == ATTACH_MODE_FENTRY && !f->fentry)
		missing = "fentry (BPF trampolines for this architecture and "
			  "kernel)";
	else if (requested == ATTACH_MODE_KPROBE && !f->kprobes)
		missing = "kprobes (CONFIG_KPROBES=y)";
	if (missing) {
		if (ret_missing)
			*ret_missing = missing;
		return -ENOTSUP;
	}
	*ret_fentry = requested == ATTACH_MODE_FENTRY ||
		      (requested == ATTACH_MODE_SOCKET && f->fentry);
	switch (requested) {
	case ATTACH_MODE_TRACEPOINT:
	case ATTACH_MODE_SOCK_TP:
		*ret_mode = requested;
		break;
	default:
		*ret_mode = ATTACH_MODE_SOCKET;
	}
	return 0;
}

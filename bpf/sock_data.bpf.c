// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Bytes on TCP sockets, from the socket syscalls' tracepoints.
 *
 * Filter the process, resolve the fd to a TCP socket, filter the port and,
 * with the byte count known, give the bytes their stream position and send
 * a snapshot (at most payload_cap bytes) to userspace. On 5.15+ this all
 * happens at the syscall's exit; before, the entry parks the arguments by
 * thread for the exit. Non-sockets cost one fd walk and no map write.
 *
 * Syscall tracepoints exist on every kernel spantap supports (5.8+) and need
 * no kprobes, which some kernels (this project's CI among them) lack. A
 * socket-layer variant (tcp_sendmsg/tcp_recvmsg) can feed the same helpers.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>

#include "lib/maps.bpf.h"
#include "lib/sock.bpf.h"
#include "lib/filter.bpf.h"
#include "lib/conn.bpf.h"
#include "lib/data.bpf.h"
#include "lib/io.bpf.h"

static __always_inline int io_enter(int fd, __u64 buf, __u32 iovcnt,
				    __u16 source, __u16 dir)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct sock *sk;

	if (!task_selected(id))
		return 0;
	sk = fd_to_tcp_sock(fd);
	if (!sk)
		return 0;
	io_park(id, sk, fd, buf, iovcnt, 0, source, dir);
	return 0;
}

/* sendmsg/recvmsg: the iovecs are behind a user msghdr */
static __always_inline int msg_enter(int fd, struct user_msghdr *umsg,
				     __u32 flags, __u16 source, __u16 dir)
{
	struct user_msghdr m;

	if (flags & ST_MSG_PEEK)
		return 0;
	if (bpf_probe_read_user(&m, sizeof(m), umsg))
		return 0;
	if (!m.msg_iov || !m.msg_iovlen)
		return 0;
	return io_enter(fd, (__u64)m.msg_iov, m.msg_iovlen, source, dir);
}

/*
 * Reads and writes, by their exit where the kernel lends the thread's saved
 * registers (bpf_task_pt_regs, 5.15+): the arguments are still there (and
 * a write's bytes still in its buffer), so the entry does no fd walk and
 * parks nothing, and a call that moved nothing (EAGAIN, most of an event
 * loop's reads) costs one comparison at the exit. Reads are timed by their
 * arrival, at the exit, writes by their start. The loader picks these or
 * the entry/exit pairs below.
 */
static __always_inline struct pt_regs *syscall_regs(void)
{
	return (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
}

/*
 * A write is timed at its start: by its return the peer on this node may
 * have read, and even answered, on the other CPU, and a request must not
 * seem to leave after it arrived. The entry only notes the time in a slot
 * of the thread's (an array, looked up inline: no fd walk, no hashing).
 * Two threads sharing a slot are told apart by tid; the loser is timed at
 * its exit.
 */
#define WRITE_SLOTS 65536

struct write_slot {
	__u32 tid;
	__u32 _pad;
	__u64 ts;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, WRITE_SLOTS);
	__type(key, __u32);
	__type(value, struct write_slot);
} write_start SEC(".maps");

static __always_inline int write_begin(void)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 key = (__u32)id % WRITE_SLOTS;
	struct write_slot *w;

	if (!task_selected(id))
		return 0;
	w = bpf_map_lookup_elem(&write_start, &key);
	if (w) {
		w->tid = (__u32)id;
		w->ts = bpf_ktime_get_ns();
	}
	return 0;
}

/* When the write now ending on thread id began; now if that is not known. */
static __always_inline __u64 write_began(__u64 id, __u64 now)
{
	__u32 key = (__u32)id % WRITE_SLOTS;
	struct write_slot *w = bpf_map_lookup_elem(&write_start, &key);

	if (w && w->tid == (__u32)id && w->ts && w->ts <= now)
		return w->ts;
	return now;
}

static __always_inline int io_done_regs(long ret, __u16 source, __u16 dir)
{
	__u64 id, buf, iov = 0;
	struct user_msghdr m;
	struct pt_regs *regs;
	__u32 iovcnt = 0;
	struct sock *sk;
	int fd;

	if (ret <= 0)
		return 0;
	id = bpf_get_current_pid_tgid();
	if (!task_selected(id))
		return 0;
	regs = syscall_regs();
	fd = PT_REGS_PARM1_CORE_SYSCALL(regs);
	buf = PT_REGS_PARM2_CORE_SYSCALL(regs);
	switch (source) {
	case ST_SRC_RECVFROM:
		if (PT_REGS_PARM4_CORE_SYSCALL(regs) & ST_MSG_PEEK)
			return 0;
		break;
	case ST_SRC_READV:
	case ST_SRC_WRITEV:
		iovcnt = PT_REGS_PARM3_CORE_SYSCALL(regs);
		break;
	case ST_SRC_RECVMSG:
	case ST_SRC_SENDMSG:
		if ((source == ST_SRC_RECVMSG &&
		     (PT_REGS_PARM3_CORE_SYSCALL(regs) & ST_MSG_PEEK)) ||
		    bpf_probe_read_user(&m, sizeof(m), (void *)buf))
			return 0;
		iov = (__u64)m.msg_iov;
		iovcnt = m.msg_iovlen;
		if (!iov || !iovcnt)
			return 0;
		buf = iov;
		break;
	case ST_SRC_SENDFILE:
		/* no user bytes: positions only */
		buf = 0;
		break;
	}
	sk = fd_to_tcp_sock(fd);
	if (sk) {
		__u64 now = bpf_ktime_get_ns();

		io_done(id, sk, fd, buf, iovcnt, source, dir, ret,
			dir == ST_DIR_EGRESS ? write_began(id, now) : now, now);
	}
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_read")
int tp_read_done(struct trace_event_raw_sys_exit *ctx)
{
	return io_done_regs(ctx->ret, ST_SRC_READ, ST_DIR_INGRESS);
}

SEC("tracepoint/syscalls/sys_exit_recvfrom")
int tp_recvfrom_done(struct trace_event_raw_sys_exit *ctx)
{
	return io_done_regs(ctx->ret, ST_SRC_RECVFROM, ST_DIR_INGRESS);
}

SEC("tracepoint/syscalls/sys_exit_readv")
int tp_readv_done(struct trace_event_raw_sys_exit *ctx)
{
	return io_done_regs(ctx->ret, ST_SRC_READV, ST_DIR_INGRESS);
}

SEC("tracepoint/syscalls/sys_exit_recvmsg")
int tp_recvmsg_done(struct trace_event_raw_sys_exit *ctx)
{
	return io_done_regs(ctx->ret, ST_SRC_RECVMSG, ST_DIR_INGRESS);
}

SEC("tracepoint/syscalls/sys_enter_write")
int tp_write_begin(void *ctx)
{
	return write_begin();
}

SEC("tracepoint/syscalls/sys_enter_sendto")
int tp_sendto_begin(void *ctx)
{
	return write_begin();
}

SEC("tracepoint/syscalls/sys_enter_writev")
int tp_writev_begin(void *ctx)
{
	return write_begin();
}

SEC("tracepoint/syscalls/sys_enter_sendmsg")
int tp_sendmsg_begin(void *ctx)
{
	return write_begin();
}

SEC("tracepoint/syscalls/sys_enter_sendfile64")
int tp_sendfile64_begin(void *ctx)
{
	return write_begin();
}

SEC("tracepoint/syscalls/sys_exit_write")
int tp_write_done(struct trace_event_raw_sys_exit *ctx)
{
	return io_done_regs(ctx->ret, ST_SRC_WRITE, ST_DIR_EGRESS);
}

SEC("tracepoint/syscalls/sys_exit_sendto")
int tp_sendto_done(struct trace_event_raw_sys_exit *ctx)
{
	return io_done_regs(ctx->ret, ST_SRC_SENDTO, ST_DIR_EGRESS);
}

SEC("tracepoint/syscalls/sys_exit_writev")
int tp_writev_done(struct trace_event_raw_sys_exit *ctx)
{
	return io_done_regs(ctx->ret, ST_SRC_WRITEV, ST_DIR_EGRESS);
}

SEC("tracepoint/syscalls/sys_exit_sendmsg")
int tp_sendmsg_done(struct trace_event_raw_sys_exit *ctx)
{
	return io_done_regs(ctx->ret, ST_SRC_SENDMSG, ST_DIR_EGRESS);
}

SEC("tracepoint/syscalls/sys_exit_sendfile64")
int tp_sendfile64_done(struct trace_event_raw_sys_exit *ctx)
{
	return io_done_regs(ctx->ret, ST_SRC_SENDFILE, ST_DIR_EGRESS);
}

/* Entry and exit pairs, before 5.15: writes timed at their start */

SEC("tracepoint/syscalls/sys_enter_read")
int tp_enter_read(struct trace_event_raw_sys_enter *ctx)
{
	return io_enter(ctx->args[0], ctx->args[1], 0, ST_SRC_READ,
			ST_DIR_INGRESS);
}

SEC("tracepoint/syscalls/sys_exit_read")
int tp_exit_read(struct trace_event_raw_sys_exit *ctx)
{
	return io_exit(ctx->ret, ST_DIR_INGRESS);
}

SEC("tracepoint/syscalls/sys_enter_write")
int tp_enter_write(struct trace_event_raw_sys_enter *ctx)
{
	return io_enter(ctx->args[0], ctx->args[1], 0, ST_SRC_WRITE,
			ST_DIR_EGRESS);
}

SEC("tracepoint/syscalls/sys_exit_write")
int tp_exit_write(struct trace_event_raw_sys_exit *ctx)
{
	return io_exit(ctx->ret, ST_DIR_EGRESS);
}

SEC("tracepoint/syscalls/sys_enter_recvfrom")
int tp_enter_recvfrom(struct trace_event_raw_sys_enter *ctx)
{
	if (ctx->args[3] & ST_MSG_PEEK)
		return 0;
	return io_enter(ctx->args[0], ctx->args[1], 0, ST_SRC_RECVFROM,
			ST_DIR_INGRESS);
}

SEC("tracepoint/syscalls/sys_exit_recvfrom")
int tp_exit_recvfrom(struct trace_event_raw_sys_exit *ctx)
{
	return io_exit(ctx->ret, ST_DIR_INGRESS);
}

SEC("tracepoint/syscalls/sys_enter_sendto")
int tp_enter_sendto(struct trace_event_raw_sys_enter *ctx)
{
	return io_enter(ctx->args[0], ctx->args[1], 0, ST_SRC_SENDTO,
			ST_DIR_EGRESS);
}

SEC("tracepoint/syscalls/sys_exit_sendto")
int tp_exit_sendto(struct trace_event_raw_sys_exit *ctx)
{
	return io_exit(ctx->ret, ST_DIR_EGRESS);
}

SEC("tracepoint/syscalls/sys_enter_recvmsg")
int tp_enter_recvmsg(struct trace_event_raw_sys_enter *ctx)
{
	return msg_enter(ctx->args[0], (void *)ctx->args[1], ctx->args[2],
			 ST_SRC_RECVMSG, ST_DIR_INGRESS);
}

SEC("tracepoint/syscalls/sys_exit_recvmsg")
int tp_exit_recvmsg(struct trace_event_raw_sys_exit *ctx)
{
	return io_exit(ctx->ret, ST_DIR_INGRESS);
}

SEC("tracepoint/syscalls/sys_enter_sendmsg")
int tp_enter_sendmsg(struct trace_event_raw_sys_enter *ctx)
{
	return msg_enter(ctx->args[0], (void *)ctx->args[1], 0, ST_SRC_SENDMSG,
			 ST_DIR_EGRESS);
}

SEC("tracepoint/syscalls/sys_exit_sendmsg")
int tp_exit_sendmsg(struct trace_event_raw_sys_exit *ctx)
{
	return io_exit(ctx->ret, ST_DIR_EGRESS);
}

SEC("tracepoint/syscalls/sys_enter_readv")
int tp_enter_readv(struct trace_event_raw_sys_enter *ctx)
{
	return io_enter(ctx->args[0], ctx->args[1], ctx->args[2], ST_SRC_READV,
			ST_DIR_INGRESS);
}

SEC("tracepoint/syscalls/sys_exit_readv")
int tp_exit_readv(struct trace_event_raw_sys_exit *ctx)
{
	return io_exit(ctx->ret, ST_DIR_INGRESS);
}

SEC("tracepoint/syscalls/sys_enter_writev")
int tp_enter_writev(struct trace_event_raw_sys_enter *ctx)
{
	return io_enter(ctx->args[0], ctx->args[1], ctx->args[2], ST_SRC_WRITEV,
			ST_DIR_EGRESS);
}

SEC("tracepoint/syscalls/sys_exit_writev")
int tp_exit_writev(struct trace_event_raw_sys_exit *ctx)
{
	return io_exit(ctx->ret, ST_DIR_EGRESS);
}

/*
 * sendfile copies no user bytes we could see, but its bytes take stream
 * positions: without them a body sent this way (nginx's default for static
 * files) would desynchronise every later response on the connection.
 */
SEC("tracepoint/syscalls/sys_enter_sendfile64")
int tp_enter_sendfile64(struct trace_event_raw_sys_enter *ctx)
{
	return io_enter(ctx->args[0], 0, 0, ST_SRC_SENDFILE, ST_DIR_EGRESS);
}

SEC("tracepoint/syscalls/sys_exit_sendfile64")
int tp_exit_sendfile64(struct trace_event_raw_sys_exit *ctx)
{
	return io_exit(ctx->ret, ST_DIR_EGRESS);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

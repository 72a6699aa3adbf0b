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

#define IO_DONE_FD_TO_SOCK fd_to_tcp_sock
#define IO_DONE_SUFFIX _done
#include "lib/io_done.bpf.h"

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

/* The exit programs, with the fd walk of probe reads (5.15 to 6.1) */
IO_DONE_PROGS()

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

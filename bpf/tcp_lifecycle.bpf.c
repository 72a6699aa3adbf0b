// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Where TCP connections begin and end for spantap in tracepoint mode: accept
 * and connect give a connection its role before its first byte; close and
 * the kernel's move to TCP_CLOSE end it, so userspace can finish messages
 * that run until close and free the connection's state. (The socket modes
 * take roles and ends from TCP's states alone: sock_tracepoints.bpf.c.)
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

#include "lib/maps.bpf.h"
#include "lib/sock.bpf.h"
#include "lib/filter.bpf.h"
#include "lib/conn.bpf.h"
#include "lib/fd_close.bpf.h"

static __always_inline int accept_exit(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct sock *sk;

	if (ret < 0 || !task_selected(id))
		return 0;
	sk = fd_to_tcp_sock(ret);
	if (sk && sock_selected(sk))
		conn_get(sk, ST_ROLE_SERVER, ret, id);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int tp_exit_accept4(struct trace_event_raw_sys_exit *ctx)
{
	return accept_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_accept")
int tp_exit_accept(struct trace_event_raw_sys_exit *ctx)
{
	return accept_exit(ctx->ret);
}

/* The ports are only known once connect has bound the socket: park it. */
SEC("tracepoint/syscalls/sys_enter_connect")
int tp_enter_connect(struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct io_args a = {};
	struct sock *sk;

	if (!task_selected(id))
		return 0;
	sk = fd_to_tcp_sock(ctx->args[0]);
	if (!sk)
		return 0;
	a.sk = (__u64)sk;
	a.fd = ctx->args[0];
	a.source = IO_OP_CONNECT;
	if (bpf_map_update_elem(&inflight, &id, &a, BPF_ANY))
		stat_inc(ST_STAT_ARGS_MAP_FULL);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_connect")
int tp_exit_connect(struct trace_event_raw_sys_exit *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct io_args *ap;
	struct sock *sk;
	__s32 fd;

	ap = bpf_map_lookup_elem(&inflight, &id);
	if (!ap)
		return 0;
	sk = (struct sock *)ap->sk;
	fd = ap->fd;
	bpf_map_delete_elem(&inflight, &id);
	/* non-blocking connects report EINPROGRESS; the socket is bound */
	if (ctx->ret != 0 && ctx->ret != -ST_EINPROGRESS)
		return 0;
	if (sock_selected(sk))
		conn_get(sk, ST_ROLE_CLIENT, fd, id);
	return 0;
}

FD_CLOSE_PROG(tp_enter_close, fd_to_tcp_sock)

/*
 * Runs for every TCP state change on the host, often in softirq, so there
 * is no process to filter on; one hash lookup decides. Catches connections
 * whose close() spantap did not see (reset, another process's close).
 */
SEC("tracepoint/sock/inet_sock_set_state")
int tp_inet_sock_set_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
	if (ctx->protocol != IPPROTO_TCP || ctx->newstate != TCP_CLOSE)
		return 0;
	conn_close((struct sock *)ctx->skaddr, -1, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

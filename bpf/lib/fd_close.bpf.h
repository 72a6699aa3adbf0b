/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * close(): the process let go of an fd; for a TCP socket of a selected
 * process, the end of its requests as the process sees it. Every close of
 * every selected process runs this, files included (nginx closes the file
 * it served on each request), so the fd walk is most of its cost. Written
 * once, placed twice with FD_CLOSE_PROG: tcp_lifecycle.bpf.c with the walk
 * of probe reads, sock_data_btf.bpf.c with direct BTF loads (6.2+); the
 * loader loads one of the two.
 */
#ifndef __SPANTAP_FD_CLOSE_BPF_H
#define __SPANTAP_FD_CLOSE_BPF_H

#include "lib/filter.bpf.h"
#include "lib/conn.bpf.h"

#define FD_CLOSE_PROG(name, fd_to_sock)                                \
	SEC("tracepoint/syscalls/sys_enter_close")                     \
	int name(struct trace_event_raw_sys_enter *ctx)                \
	{                                                              \
		__u64 id = bpf_get_current_pid_tgid();                 \
		struct sock *sk;                                       \
                                                                       \
		if (!task_selected(id))                                \
			return 0;                                      \
		sk = fd_to_sock(ctx->args[0]);                         \
		if (sk)                                                \
			conn_close(sk, ctx->args[0], id);              \
		return 0;                                              \
	}

#endif /* __SPANTAP_FD_CLOSE_BPF_H */

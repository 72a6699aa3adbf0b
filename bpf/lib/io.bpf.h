/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * A transfer on a TCP socket, from its start to its end, whichever hook
 * sees it: syscall tracepoints (the fd resolved to a socket) or the socket
 * layer (tcp_sendmsg/tcp_recvmsg). The start parks the arguments by
 * thread; the end, with the byte count known, gives the bytes their stream
 * position and sends them.
 */
#ifndef __SPANTAP_IO_BPF_H
#define __SPANTAP_IO_BPF_H

#include "lib/maps.bpf.h"
#include "lib/filter.bpf.h"
#include "lib/conn.bpf.h"
#include "lib/data.bpf.h"

/*
 * A socket syscall made from inside a TLS library call moves that call's
 * ciphertext: tell the call which socket it uses, and keep the bytes out.
 */
static __always_inline bool ssl_call_claims(__u64 id, __u64 sk,
					    struct conn_state *c)
{
	struct ssl_call *call = bpf_map_lookup_elem(&ssl_calls, &id);

	if (!call)
		return false;
	call->sk = sk;
	if (c)
		conn_mark_tls(c);
	return true;
}

/*
 * The socket sk is about to move bytes for thread id: park what the exit
 * needs (buf is a user buffer, or an iovec array of iovcnt entries, in
 * kernel memory with IO_F_KIOV). TLS and filtered connections stop here.
 */
static __always_inline void io_park(__u64 id, struct sock *sk, __s32 fd,
				    __u64 buf, __u32 iovcnt, __u16 flags,
				    __u16 source, __u16 dir)
{
	struct conn_state *c;
	struct io_args a = {};

	a.sk = (__u64)sk;
	c = bpf_map_lookup_elem(&conns, &a.sk);
	if (tls_probes_on && ssl_call_claims(id, a.sk, c))
		return;
	/* ciphertext outside library calls: handshakes, alerts */
	if (c && (c->flags & CONN_F_TLS))
		return;
	/* tracked connections passed the port filter when made */
	if (!c && !sock_selected(sk))
		return;
	if (c) {
		a.conn_id = c->id;
		a.pos = c->pos[dir & 1];
	}
	a.buf = buf;
	a.iovcnt = iovcnt;
	a.flags = flags;
	a.fd = fd;
	a.source = source;
	a.ts = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&inflight, &id, &a, BPF_ANY))
		stat_inc(ST_STAT_ARGS_MAP_FULL);
}

static __always_inline int io_exit(long ret, __u16 dir)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct conn_state *c;
	struct io_args *ap, a;
	__u64 pos, ts;

	ap = bpf_map_lookup_elem(&inflight, &id);
	if (!ap)
		return 0;
	a = *ap;
	bpf_map_delete_elem(&inflight, &id);
	if (ret <= 0)
		return 0;
	ts = bpf_ktime_get_ns();
	dir &= 1;
	c = bpf_map_lookup_elem(&conns, &a.sk);
	if (!c && a.conn_id) {
		/* closed during the call (a reset): keep the old identity */
		emit_data(a.conn_id, a.pos, ret, &a, dir,
			  dir == ST_DIR_EGRESS ? a.ts : ts, id, false);
		return 0;
	}
	/* only a socket seen for the first time needs creating */
	if (!c)
		c = conn_get((struct sock *)a.sk, ST_ROLE_UNKNOWN, a.fd, id);
	if (!c)
		return 0;
	pos = pos_advance(&c->pos[dir], ret);
	/* written bytes left at entry; read bytes arrived by exit */
	if (emit_data(c->id, pos, ret, &a, dir,
		      dir == ST_DIR_EGRESS ? a.ts : ts, id, pos == 0))
		conn_mark_tls(c);
	return 0;
}

#endif /* __SPANTAP_IO_BPF_H */

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

	if (!call || !call->active)
		return false;
	call->sk = sk;
	if (c)
		conn_mark_tls(c);
	return true;
}

/*
 * Whether the bytes thread id moves on sk are to be sent: not for a TLS
 * connection (the probes send its plaintext) nor one the port filter
 * leaves out. *cp: sk's state, NULL when not tracked yet.
 */
static __always_inline bool io_admit(__u64 id, struct sock *sk,
				     struct conn_state **cp)
{
	__u64 key = (__u64)sk;
	struct conn_state *c = bpf_map_lookup_elem(&conns, &key);

	*cp = c;
	if (ssl_calls_open && ssl_call_claims(id, key, c))
		return false;
	/* ciphertext outside library calls: handshakes, alerts */
	if (c && (c->flags & CONN_F_TLS))
		return false;
	/*
	 * tracked connections passed the port filter when made; so did
	 * those reset since, which may have lost their local port
	 */
	return c || sock_selected(sk) ||
	       bpf_map_lookup_elem(&closed_conns, &key);
}

/*
 * The socket sk is about to move bytes for thread id: park what the exit
 * needs (buf is a user buffer, or an iovec array of iovcnt entries, in
 * kernel memory with IO_F_KIOV).
 */
static __always_inline void io_park(__u64 id, struct sock *sk, __s32 fd,
				    __u64 buf, __u32 iovcnt, __u16 flags,
				    __u16 source, __u16 dir)
{
	struct conn_state *c;
	struct io_args a = {};

	if (!io_admit(id, sk, &c))
		return;
	a.sk = (__u64)sk;
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

/*
 * ret bytes moved (ret > 0): give them their stream position and send
 * them. c: the connection's state, NULL when not tracked (yet or any
 * more). Written bytes left at the start, read bytes arrived by the end.
 */
static __always_inline void io_send(__u64 id, struct conn_state *c,
				    const struct io_args *a, long ret,
				    __u16 dir, __u64 now)
{
	__u64 ts = dir == ST_DIR_EGRESS ? a->ts : now;
	__u64 pos;

	if (!c) {
		struct closed_conn *cc;

		if (a->conn_id) {
			/* closed during the call (a reset): the old identity */
			emit_data(a->conn_id, a->pos, ret, a, dir, ts, id,
				  false);
			return;
		}
		/* closed by a reset before the call: the same */
		cc = bpf_map_lookup_elem(&closed_conns, &a->sk);
		if (cc) {
			pos = pos_advance(&cc->pos[dir], ret);
			emit_data(cc->id, pos, ret, a, dir, ts, id, false);
			return;
		}
		/* a socket seen for the first time */
		c = conn_get((struct sock *)a->sk,
			     conn_handshake_role((struct sock *)a->sk), a->fd,
			     id);
		if (!c)
			return;
	}
	pos = pos_advance(&c->pos[dir], ret);
	if (c->flags & CONN_F_OTHER) {
		stat_inc(ST_STAT_OTHER_PROTO_SKIPPED);
		return;
	}
	switch (emit_data(c->id, pos, ret, a, dir, ts, id,
			  sniff_what(c, pos, c->pos[!dir], false))) {
	case EMIT_TLS:
		conn_mark_tls(c);
		break;
	case EMIT_OTHER:
		c->flags |= CONN_F_OTHER;
		break;
	}
}

static __always_inline int io_exit(long ret, __u16 dir)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct io_args *ap, a;

	ap = bpf_map_lookup_elem(&inflight, &id);
	if (!ap)
		return 0;
	a = *ap;
	bpf_map_delete_elem(&inflight, &id);
	if (ret <= 0)
		return 0;
	io_send(id, bpf_map_lookup_elem(&conns, &a.sk), &a, ret, dir & 1,
		bpf_ktime_get_ns());
	return 0;
}

/*
 * Bytes moved, seen only when the call is over (a syscall's exit, or a
 * socket tracepoint inside it; the arguments taken from the saved
 * registers): admit and send at once, with no arguments kept between
 * entry and exit; timed now, at the end. flags: IO_F_*.
 */
static __always_inline void io_done(__u64 id, struct sock *sk, __s32 fd,
				    __u64 buf, __u32 iovcnt, __u16 source,
				    __u16 flags, __u16 dir, long ret, __u64 now)
{
	struct conn_state *c;
	struct io_args a = {};

	if (!io_admit(id, sk, &c))
		return;
	a.sk = (__u64)sk;
	a.buf = buf;
	a.iovcnt = iovcnt;
	a.flags = flags;
	a.fd = fd;
	a.source = source;
	a.ts = now;
	io_send(id, c, &a, ret, dir, now);
}

#endif /* __SPANTAP_IO_BPF_H */

/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Connection identity. A socket gets a conn id the first time spantap sees
 * it (accept, connect, or first data when capture starts mid-connection),
 * and loses it when it closes; ids come from a per-CPU sequence, so neither
 * fd nor port reuse nor a recycled struct sock address can mix two
 * connections.
 */
#ifndef __SPANTAP_CONN_BPF_H
#define __SPANTAP_CONN_BPF_H

#include "lib/maps.bpf.h"
#include "lib/sock.bpf.h"

static __always_inline __u64 rb_wakeup_flags(void)
{
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

/* The agent has read the identity of pid_tgid's process (known_pids) */
static __always_inline bool pid_known(__u64 pid_tgid)
{
	__u32 tgid = pid_tgid >> 32;

	return !tgid || known_pids[ST_KNOWN_PID_SLOT(tgid)] == tgid;
}

static __always_inline __u64 conn_next_id(void)
{
	__u32 zero = 0;
	__u64 *seq = bpf_map_lookup_elem(&conn_seq, &zero);
	__u64 cpu = bpf_get_smp_processor_id();

	if (!seq)
		return 0;
	*seq += 1;
	/* 16 bits of CPU, 48 of sequence: unique across CPUs */
	return (cpu << 48) | (*seq & ((1ULL << 48) - 1));
}

static __always_inline void emit_conn_event(__u16 type, struct sock *sk,
					    __u64 conn_id, __u16 role, __s32 fd,
					    __u64 pid_tgid)
{
	struct st_conn_event *e;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		stat_inc(ST_STAT_RB_FULL);
		return;
	}
	event_hdr_fill(&e->hdr, type, sizeof(*e));
	e->conn_id = conn_id;
	e->pid = pid_tgid >> 32;
	e->tid = (__u32)pid_tgid;
	e->fd = fd;
	e->role = role;
	e->_pad = 0;
	e->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	sk_ports(sk, &e->lport, &e->rport);
	__builtin_memset(e->laddr, 0, sizeof(e->laddr));
	__builtin_memset(e->raddr, 0, sizeof(e->raddr));
	/* READ_INTO copies sizeof(*dst): cast, or it copies one byte */
	if (e->family == ST_AF_INET) {
		BPF_CORE_READ_INTO((__u32 *)e->laddr, sk,
				   __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO((__u32 *)e->raddr, sk,
				   __sk_common.skc_daddr);
	} else {
		BPF_CORE_READ_INTO((struct in6_addr *)e->laddr, sk,
				   __sk_common.skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO((struct in6_addr *)e->raddr, sk,
				   __sk_common.skc_v6_daddr);
	}
	__builtin_memset(e->comm, 0, sizeof(e->comm));
	if (pid_tgid)
		bpf_get_current_comm(e->comm, sizeof(e->comm));
	stat_inc(ST_STAT_EVENTS);
	/*
	 * Wake the agent now for a process it does not know yet: it reads
	 * the process's identity from /proc when a connection opens, and a
	 * short-lived client may be gone within a millisecond. Not for one
	 * it knows: a wakeup per connection cost the agent more than the
	 * rest of a short connection's events.
	 */
	bpf_ringbuf_submit(e, type == ST_EV_CONN_OPEN && !pid_known(pid_tgid)
				      ? BPF_RB_FORCE_WAKEUP
				      : rb_wakeup_flags());
}

/*
 * The state of sk, created (and announced to userspace) when first seen.
 * NULL when the connection map is full: counted, and the data is not sent.
 */
static __always_inline struct conn_state *conn_get(struct sock *sk, __u16 role,
						   __s32 fd, __u64 pid_tgid)
{
	__u64 key = (__u64)sk;
	struct conn_state *c, fresh = {};

	c = bpf_map_lookup_elem(&conns, &key);
	if (c)
		return c;
	fresh.id = conn_next_id();
	fresh.role = role;
	if (bpf_map_update_elem(&conns, &key, &fresh, BPF_NOEXIST)) {
		/* another CPU may have won the race; else the map is full */
		c = bpf_map_lookup_elem(&conns, &key);
		if (!c)
			stat_inc(ST_STAT_CONN_MAP_FULL);
		return c;
	}
	emit_conn_event(ST_EV_CONN_OPEN, sk, fresh.id, role, fd, pid_tgid);
	return bpf_map_lookup_elem(&conns, &key);
}

/*
 * The role sk's handshake gave it (conn_roles), taken once: the socket
 * tracepoints' mode learns roles from TCP states, with no process to
 * name until the first bytes. ST_ROLE_UNKNOWN elsewhere.
 */
static __always_inline __u16 conn_handshake_role(struct sock *sk)
{
	__u64 key = (__u64)sk;
	__u16 *r = bpf_map_lookup_elem(&conn_roles, &key), role;

	if (!r)
		return ST_ROLE_UNKNOWN;
	role = *r;
	bpf_map_delete_elem(&conn_roles, &key);
	return role;
}

/* From now on the connection's socket bytes are ciphertext. */
static __always_inline void conn_mark_tls(struct conn_state *c)
{
	if (c->flags & CONN_F_TLS)
		return;
	c->flags |= CONN_F_TLS;
	stat_inc(ST_STAT_TLS_CONNS);
}

/*
 * Announce the end of sk's connection, if it was tracked, and forget it.
 * pid_tgid 0: the kernel ended it, not a process (see closed_conns).
 */
static __always_inline void conn_close(struct sock *sk, __s32 fd,
				       __u64 pid_tgid)
{
	__u64 key = (__u64)sk;
	struct conn_state *c = bpf_map_lookup_elem(&conns, &key);
	struct closed_conn cc;

	if (!c) {
		if (fd >= 0)
			bpf_map_delete_elem(&closed_conns, &key);
		return;
	}
	emit_conn_event(ST_EV_CONN_CLOSE, sk, c->id, c->role, fd, pid_tgid);
	if (!pid_tgid) {
		cc.id = c->id;
		cc.pos[0] = c->pos[0];
		cc.pos[1] = c->pos[1];
		bpf_map_update_elem(&closed_conns, &key, &cc, BPF_ANY);
	}
	if (c->ssl) {
		__u64 ssl = c->ssl, *mapped;

		mapped = bpf_map_lookup_elem(&ssl_socks, &ssl);
		if (mapped && *mapped == key)
			bpf_map_delete_elem(&ssl_socks, &ssl);
	}
	bpf_map_delete_elem(&conns, &key);
}

#endif /* __SPANTAP_CONN_BPF_H */

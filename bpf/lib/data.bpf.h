/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Data events: copy what a process moved (from a syscall's buffer or a TLS
 * library call's) into the per-CPU scratch and send it, at most payload_cap
 * bytes, with the connection's stream position.
 */
#ifndef __SPANTAP_DATA_BPF_H
#define __SPANTAP_DATA_BPF_H

#include "lib/maps.bpf.h"
#include "lib/conn.bpf.h"
#include "lib/sniff.bpf.h"

/*
 * v &= mask, done in a way clang cannot drop. clang proves many lengths
 * bounded and removes the mask, then spills or widens the value so the
 * verifier no longer sees the bound and rejects the copy.
 */
#define verifier_bound(v, mask) \
	asm volatile("%[x] &= %[m]" : [x] "+r"(v) : [m] "i"(mask))

#define PAYLOAD_MASK (2 * ST_PAYLOAD_MAX - 1)

static __always_inline __u32 copy_flat(__u8 *dst, __u64 src, __u64 want)
{
	verifier_bound(want, PAYLOAD_MASK);
	if (bpf_probe_read_user(dst, want, (void *)src)) {
		stat_inc(ST_STAT_READ_FAIL);
		return 0;
	}
	return want;
}

/* kiov: the iovec array is the kernel's copy (an iov_iter), not the user's */
static __always_inline __u32 copy_iov(__u8 *dst, __u64 iovp, __u32 iovcnt,
				      bool kiov, __u32 want, __u16 *flags)
{
	struct iovec iov;
	__u64 off = 0, n;
	long err;

	for (int i = 0; i < ST_IOV_MAX; i++) {
		void *src = (void *)(iovp + i * sizeof(iov));

		if (i >= iovcnt || off >= want)
			break;
		if (kiov)
			err = bpf_probe_read_kernel(&iov, sizeof(iov), src);
		else
			err = bpf_probe_read_user(&iov, sizeof(iov), src);
		if (err) {
			stat_inc(ST_STAT_READ_FAIL);
			break;
		}
		n = iov.iov_len < want - off ? iov.iov_len : want - off;
		/* no-ops at run time (off < want <= ST_PAYLOAD_MAX) */
		verifier_bound(off, ST_PAYLOAD_MAX - 1);
		verifier_bound(n, ST_PAYLOAD_MAX - 1 + ST_PAYLOAD_MAX);
		if (n > ST_PAYLOAD_MAX)
			n = ST_PAYLOAD_MAX;
		if (bpf_probe_read_user(dst + off, n, iov.iov_base)) {
			stat_inc(ST_STAT_READ_FAIL);
			break;
		}
		off += n;
	}
	if (iovcnt > ST_IOV_MAX && off < want) {
		*flags |= ST_DATA_F_IOV_TRUNC;
		stat_inc(ST_STAT_IOV_TRUNC);
	}
	return off;
}

/*
 * The first bytes of a TLS connection, either way: a handshake record
 * (content type 22, protocol version 3.x). No HTTP message starts so.
 */
static __always_inline bool tls_handshake_start(const __u8 *p, __u64 n)
{
	return n >= 3 && p[0] == 0x16 && p[1] == 0x03 && p[2] <= 0x04;
}

/* What emit_data looks for in the bytes it copies */
enum sniff {
	SNIFF_NONE,
	SNIFF_TLS,   /* the first bytes of a direction: a TLS handshake? */
	SNIFF_CONN,  /* and of a connection seen from its start: see sniff.h */
	SNIFF_PLAIN, /* the first plaintext of a TLS connection: sniff.h */
};

/* What emit_data found */
enum emitted {
	EMIT_SENT,
	EMIT_TLS,   /* a TLS handshake, held back: mark the connection */
	EMIT_OTHER, /* sent, flagged: hold back the rest of the connection */
};

/*
 * What to look for in a transfer at stream position pos of connection c,
 * whose other direction is at other (plain: a TLS library's plaintext). A
 * connection's first bytes (neither direction has moved) are sniffed when
 * it was seen from its start, its role told by accept, connect or the
 * handshake: bytes seen first mid-connection may be anything, the middle
 * of a body.
 */
static __always_inline int sniff_what(const struct conn_state *c, __u64 pos,
				      __u64 other, bool plain)
{
	bool first = !pos && !other && c->role != ST_ROLE_UNKNOWN;

	if (plain)
		return first ? SNIFF_PLAIN : SNIFF_NONE;
	if (pos)
		return SNIFF_NONE;
	return first ? SNIFF_CONN : SNIFF_TLS;
}

/*
 * Copy the bytes and send them, looking at them as sniff says (a TLS
 * handshake is held back, the first bytes of another protocol sent with
 * ST_DATA_F_OTHER_PROTO). Returns enum emitted.
 */
static __always_inline int emit_data(__u64 conn_id, __u64 pos, __u32 len,
				     const struct io_args *a, __u16 dir,
				     __u64 ts, __u64 pid_tgid, int sniff)
{
	int ret = EMIT_SENT;
	struct st_data_event *e;
	struct data_scratch *sc;
	__u32 zero = 0;
	__u64 want, copied = 0, size, other;
	__u16 flags = 0;
	bool nocopy = a->source == ST_SRC_SENDFILE || (a->flags & IO_F_NOCOPY);

	/*
	 * The agent ignores the rest of this connection's bytes: no copy,
	 * no record. Its id: the socket's bytes (plaintext from a TLS
	 * library still goes: the agent looks again at a connection that
	 * turns out to be TLS); its id's complement: every byte.
	 */
	other = other_proto_conns[ST_OTHER_PROTO_SLOT(conn_id)];
	if (other == conn_id ? !ST_SRC_IS_TLS(a->source) : other == ~conn_id) {
		stat_inc(ST_STAT_OTHER_PROTO_SKIPPED);
		return 0;
	}
	sc = bpf_map_lookup_elem(&scratch, &zero);
	if (!sc)
		return 0;
	want = len < payload_cap ? len : payload_cap;
	if (want > ST_PAYLOAD_MAX)
		want = ST_PAYLOAD_MAX;
	if (nocopy)
		want = 0;
	else if (a->iovcnt)
		copied = copy_iov(sc->payload, a->buf, a->iovcnt,
				  a->flags & IO_F_KIOV, want, &flags);
	else
		copied = copy_flat(sc->payload, a->buf, want);
	if ((sniff == SNIFF_TLS || sniff == SNIFF_CONN) &&
	    tls_handshake_start(sc->payload, copied))
		return EMIT_TLS;
	if (sniff == SNIFF_CONN || sniff == SNIFF_PLAIN) {
		__u64 first;

		/* the scratch's bytes past those copied: masked by the count */
		__builtin_memcpy(&first, sc->payload, sizeof(first));
		if (sniff_conn_start(first, copied) == ST_SNIFF_OTHER) {
			flags |= ST_DATA_F_OTHER_PROTO;
			ret = EMIT_OTHER;
		}
	}
	if (copied < len && !nocopy) {
		flags |= ST_DATA_F_TRUNCATED;
		stat_inc(ST_STAT_TRUNCATED);
	}

	e = &sc->ev;
	verifier_bound(copied, PAYLOAD_MASK);
	size = sizeof(*e) + copied;
	e->hdr.type = ST_EV_DATA;
	e->hdr.flags = flags;
	e->hdr.size = size;
	e->hdr.ts_ns = ts;
	e->conn_id = conn_id;
	e->pos = pos;
	e->pid = pid_tgid >> 32;
	e->tid = (__u32)pid_tgid;
	e->len = len;
	e->cap_len = copied;
	e->dir = dir;
	e->source = a->source;
	e->_pad = 0;
	if (bpf_ringbuf_output(&events, sc, size, rb_wakeup_flags())) {
		stat_inc(ST_STAT_RB_FULL);
		return ret;
	}
	stat_inc(ST_STAT_EVENTS);
	return ret;
}

#endif /* __SPANTAP_DATA_BPF_H */

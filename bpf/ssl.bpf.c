// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * TLS plaintext, where the application hands it to OpenSSL or takes it
 * back: uprobes on SSL_read, SSL_write and their _ex forms (1.1 and 3.x),
 * attached by the agent to each library file it finds mapped.
 *
 * Entry parks the buffer by thread. The socket syscalls the library makes
 * inside the call (sock_data.bpf.c) name the socket and keep its ciphertext
 * out; the return then sends the plaintext as data of that connection, in
 * a stream of its own positions. A call served from the library's buffer
 * makes no syscall: the socket that SSL object used last (or in its
 * handshake) stands in.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "lib/maps.bpf.h"
#include "lib/sock.bpf.h"
#include "lib/filter.bpf.h"
#include "lib/conn.bpf.h"
#include "lib/data.bpf.h"

static __always_inline int ssl_enter(void *ssl, void *buf, void *out_len,
				     __u16 dir, __u16 source)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct ssl_call call = {}, *cp;
	__u64 *sk;

	if (!task_selected(id))
		return 0;
	call.ssl = (__u64)ssl;
	call.buf = (__u64)buf;
	call.out_len = (__u64)out_len;
	call.dir = dir;
	call.source = source;
	call.ts = bpf_ktime_get_ns();
	/* a handshake always learns: the object may be new at this address */
	sk = source ? bpf_map_lookup_elem(&ssl_socks, &call.ssl) : NULL;
	if (sk)
		call.sk = call.sk_entry = *sk;
	call.active = 1;
	/* only this thread reads or writes its entry */
	cp = bpf_map_lookup_elem(&ssl_calls, &id);
	if (cp) {
		/* one still active is a call whose return never came */
		if (!cp->active)
			ssl_calls_count(1);
		*cp = call;
	} else if (!bpf_map_update_elem(&ssl_calls, &id, &call, BPF_NOEXIST)) {
		ssl_calls_count(1);
	} else {
		stat_inc(ST_STAT_ARGS_MAP_FULL);
	}
	return 0;
}

/*
 * Remember which socket the call's SSL object uses, and on the socket's
 * state which object, so that its close forgets the pair: a later object
 * at the same address must not inherit the socket.
 */
static __always_inline void ssl_learn(const struct ssl_call *call)
{
	struct conn_state *c = bpf_map_lookup_elem(&conns, &call->sk);

	bpf_map_update_elem(&ssl_socks, &call->ssl, &call->sk, BPF_ANY);
	if (c)
		c->ssl = call->ssl;
}

/* ret: the plain calls' int (bytes, or <= 0), or the _ex calls' 1/0 */
static __always_inline int ssl_exit(int ret, bool ex)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct ssl_call *cp, call;
	struct conn_state *c;
	struct io_args a = {};
	__u64 len, pos, ts;
	__u16 dir;

	cp = bpf_map_lookup_elem(&ssl_calls, &id);
	if (!cp || !cp->active)
		return 0;
	call = *cp;
	cp->active = 0;
	ssl_calls_count(-1);
	if (!call.source) {
		/* a handshake: no data, but now the SSL object's socket */
		if (call.sk)
			ssl_learn(&call);
		return 0;
	}
	if (ex) {
		/* size_t *readbytes / *written, set only on success */
		if (ret != 1 || !call.out_len ||
		    bpf_probe_read_user(&len, sizeof(len),
					(void *)call.out_len))
			return 0;
	} else {
		if (ret <= 0)
			return 0;
		len = ret;
	}
	if (!len)
		return 0;
	if (len > 0xffffffffULL)
		len = 0xffffffffULL;
	if (!call.sk) {
		stat_inc(ST_STAT_TLS_NO_SOCKET);
		return 0;
	}
	/* an LRU update costs more than the rest of a call's exit */
	if (call.sk != call.sk_entry)
		ssl_learn(&call);
	c = bpf_map_lookup_elem(&conns, &call.sk);
	if (!c) {
		/* tracked connections passed the port filter when made */
		if (!sock_selected((struct sock *)call.sk))
			return 0;
		c = conn_get((struct sock *)call.sk,
			     conn_handshake_role((struct sock *)call.sk), -1,
			     id);
		if (!c)
			return 0;
	}
	conn_mark_tls(c);
	c->ssl = call.ssl;
	dir = call.dir & 1;
	pos = pos_advance(&c->tls_pos[dir], len);
	if (c->flags & CONN_F_OTHER) {
		stat_inc(ST_STAT_OTHER_PROTO_SKIPPED);
		return 0;
	}
	a.buf = call.buf;
	a.source = call.source;
	/* as for syscalls: plaintext leaves at entry, arrives by return */
	ts = dir == ST_DIR_EGRESS ? call.ts : bpf_ktime_get_ns();
	if (emit_data(c->id, pos, len, &a, dir, ts, id,
		      sniff_what(c, pos, c->tls_pos[!dir], true)) == EMIT_OTHER)
		c->flags |= CONN_F_OTHER;
	return 0;
}

/*
 * SSL_do_handshake, SSL_connect, SSL_accept: the handshake's reads may
 * take in the first request too, so the first SSL_read is served from the
 * library's buffer without a syscall. Learn the socket here, before that.
 */
SEC("uprobe")
int BPF_KPROBE(ssl_handshake_enter, void *ssl)
{
	return ssl_enter(ssl, NULL, NULL, 0, 0);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_handshake_exit, int ret)
{
	return ssl_exit(ret, false);
}

SEC("uprobe")
int BPF_KPROBE(ssl_read_enter, void *ssl, void *buf, int num)
{
	return ssl_enter(ssl, buf, NULL, ST_DIR_INGRESS, ST_SRC_SSL_READ);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_read_exit, int ret)
{
	return ssl_exit(ret, false);
}

SEC("uprobe")
int BPF_KPROBE(ssl_write_enter, void *ssl, const void *buf, int num)
{
	return ssl_enter(ssl, (void *)buf, NULL, ST_DIR_EGRESS,
			 ST_SRC_SSL_WRITE);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_write_exit, int ret)
{
	return ssl_exit(ret, false);
}

SEC("uprobe")
int BPF_KPROBE(ssl_read_ex_enter, void *ssl, void *buf, size_t num,
	       size_t *readbytes)
{
	return ssl_enter(ssl, buf, readbytes, ST_DIR_INGRESS, ST_SRC_SSL_READ);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_read_ex_exit, int ret)
{
	return ssl_exit(ret, true);
}

SEC("uprobe")
int BPF_KPROBE(ssl_write_ex_enter, void *ssl, const void *buf, size_t num,
	       size_t *written)
{
	return ssl_enter(ssl, (void *)buf, written, ST_DIR_EGRESS,
			 ST_SRC_SSL_WRITE);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_write_ex_exit, int ret)
{
	return ssl_exit(ret, true);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Maps and load-time knobs shared by every spantap BPF object. maps.bpf.c
 * defines SPANTAP_DEFINE_MAPS and so holds the one definition; every other
 * object sees extern declarations that bpftool's linker resolves, so the
 * skeleton has one copy of each.
 */
#ifndef __SPANTAP_MAPS_BPF_H
#define __SPANTAP_MAPS_BPF_H

#include "spantap/event.h"

#ifdef SPANTAP_DEFINE_MAPS
#define ST_MAP
#define ST_KNOB(type, name, dflt) const volatile type name = dflt
#else
#define ST_MAP extern
#define ST_KNOB(type, name, dflt) extern const volatile type name
#endif

/* Load-time configuration, set by the loader before load. */
ST_KNOB(__u32, self_tgid, 0);  /* never trace ourselves */
ST_KNOB(__u8, filter_pids, 0); /* pid_filter is in force */
ST_KNOB(__u8, filter_comms, 0);
ST_KNOB(__u8, filter_ports, 0);
ST_KNOB(__u32, payload_cap, ST_PAYLOAD_DEFAULT); /* <= ST_PAYLOAD_MAX */
/* Wake the consumer once this much is waiting; it also polls on a timer. */
ST_KNOB(__u64, wakeup_bytes, 256 << 10);
/* tcp_recvmsg's arguments: 6 before 5.19 (a nonblock flag), 5 since */
ST_KNOB(__u32, recvmsg_nargs, 5);
/*
 * Syscall number -> enum st_source (0: none of ours), for the socket
 * tracepoints. Filled by the loader from its own <sys/syscall.h>, so the
 * numbers are the architecture's.
 */
#define ST_NR_SYSCALLS 512
ST_KNOB(__u8, syscall_source[ST_NR_SYSCALLS], {});

/*
 * Connections whose socket bytes the agent does not want (see
 * ST_OTHER_PROTO_SLOTS): the agent writes them through the skeleton's
 * mapping of .bss, where a map update would cost it a syscall each.
 */
#ifdef SPANTAP_DEFINE_MAPS
__u64 other_proto_conns[ST_OTHER_PROTO_SLOTS] SEC(".bss");
#else
extern __u64 other_proto_conns[ST_OTHER_PROTO_SLOTS] SEC(".bss");
#endif

/* Processes the agent knows (see ST_KNOWN_PID_SLOTS), written the same way */
#ifdef SPANTAP_DEFINE_MAPS
__u32 known_pids[ST_KNOWN_PID_SLOTS] SEC(".bss");
#else
extern __u32 known_pids[ST_KNOWN_PID_SLOTS] SEC(".bss");
#endif

/* A syscall between its entry and exit, keyed by pid_tgid. */
struct io_args {
	__u64 sk;  /* struct sock * resolved at entry */
	__u64 buf; /* user buffer, or iovec array when iovcnt > 0 */
	__u64 ts;  /* entry time */
	/*
	 * The connection as it was at entry, 0 if not yet tracked. A peer's
	 * reset can close the socket inside the syscall; its bytes still
	 * belong to this connection, not to a new one.
	 */
	__u64 conn_id;
	__u64 pos;
	__u32 iovcnt;
	__s32 fd;     /* -1: not known (the socket layer sees no fd) */
	__u16 source; /* enum st_source, or IO_OP_CONNECT */
	__u16 flags;  /* IO_F_* */
	__u16 _pad[2];
};

/* The iovec array is in kernel memory (an iov_iter's), not the user's. */
#define IO_F_KIOV (1 << 0)
/* The bytes are in no user buffer (pages, kernel memory): count only. */
#define IO_F_NOCOPY (1 << 1)

#define IO_OP_CONNECT 100

/* Per socket, keyed by struct sock address; removed when the socket closes. */
struct conn_state {
	__u64 id;
	__u64 pos[2]; /* next stream position, by enum st_dir */
	/*
	 * The same for the plaintext of a TLS connection: its bytes are
	 * counted apart, since the ciphertext around them is never sent.
	 */
	__u64 tls_pos[2];
	/* the TLS library's object (SSL *) last seen on it, or 0 */
	__u64 ssl;
	__u16 role;
	__u16 flags; /* CONN_F_* */
	__u16 _pad[2];
};

/* A TLS connection: its socket bytes are ciphertext, never sent. */
#define CONN_F_TLS (1 << 0)
/*
 * Its first bytes open no protocol spantap parses (spantap/sniff.h): the
 * rest of its bytes, socket and plaintext, are held back.
 */
#define CONN_F_OTHER (1 << 1)

/* A call into a TLS library, between its entry and its return. */
struct ssl_call {
	__u64 ssl; /* the library's connection object (SSL *) */
	__u64 buf;
	__u64 out_len; /* where SSL_*_ex return the byte count, or 0 */
	__u64 sk;      /* the socket the call used, once known */
	__u64 sk_entry; /* the one ssl_socks named at entry, or 0 */
	__u64 ts;	/* entry time */
	__u16 dir;
	__u16 source;
	__u32 active; /* in the call; else the entry waits for the next */
};

/*
 * The role a connection's handshake gave it (enum st_role: connect's
 * SYN_SENT, a listener's SYN_RECV child), kept until its first bytes
 * announce it in a process's name. The socket tracepoints' mode only.
 */
ST_MAP struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u16);
} conn_roles SEC(".maps");

struct data_scratch {
	struct st_data_event ev;
	/* twice the cap: lets the verifier prove offset + length in bounds */
	__u8 payload[2 * ST_PAYLOAD_MAX];
};

ST_MAP struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);
} events SEC(".maps");

ST_MAP struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ST_STAT__MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

ST_MAP struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8);
} pid_filter SEC(".maps");

ST_MAP struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, char[ST_COMM_LEN]);
	__type(value, __u8);
} comm_filter SEC(".maps");

ST_MAP struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u16);
	__type(value, __u8);
} port_filter SEC(".maps");

ST_MAP struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct io_args);
} inflight SEC(".maps");

ST_MAP struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct conn_state);
} conns SEC(".maps");

/*
 * A connection the kernel ended (a reset) while its process still holds
 * the socket: a call in flight, or bytes queued before the reset, may
 * still move bytes on it, seen after the state is gone. They keep the
 * connection's identity and positions until the process closes the fd.
 */
struct closed_conn {
	__u64 id;
	__u64 pos[2];
};

ST_MAP struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct closed_conn);
} closed_conns SEC(".maps");

ST_MAP struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct data_scratch);
} scratch SEC(".maps");

ST_MAP struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} conn_seq SEC(".maps");

/*
 * TLS library calls, by pid_tgid: the one in progress (active), or the
 * thread's last, whose entry the next call writes over in place, since
 * an insert and a delete a call cost more than the rest of its probes.
 * A thread's entry goes when it exits (proc_watch.bpf.c); LRU, so that
 * more threads than entries push out idle ones rather than fail.
 */
ST_MAP struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct ssl_call);
} ssl_calls SEC(".maps");

/*
 * The socket each SSL object was last seen using: a call served from the
 * library's buffer makes no syscall to learn it from.
 */
ST_MAP struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, __u64);
} ssl_socks SEC(".maps");

/* Processes with uprobes attached: their exit is worth an event. */
ST_MAP struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u8);
} watched_pids SEC(".maps");

/*
 * How many calls in ssl_calls are active: the socket programs look for
 * the TLS call a thread is in only when some thread is in one, which
 * spares every plaintext transfer a hash lookup. Kept exact (a call
 * entered, one returned), so a call whose return never came, or a thread
 * that died in one, leaves the lookups on until its entry goes or is
 * reused, never off too early.
 */
#ifdef SPANTAP_DEFINE_MAPS
__u64 ssl_calls_open SEC(".bss");
#else
extern __u64 ssl_calls_open SEC(".bss");
#endif

/* The xadd form (no fetch), which 5.10 has: the result is not used */
static __always_inline void ssl_calls_count(__s64 d)
{
	__sync_fetch_and_add(&ssl_calls_open, d);
}

/* Every record starts so; the kernel's clock, not the agent's. */
static __always_inline void event_hdr_fill(struct st_event_hdr *h, __u16 type,
					   __u32 size)
{
	h->type = type;
	h->flags = 0;
	h->size = size;
	h->ts_ns = bpf_ktime_get_ns();
}

/*
 * Move a stream position on by n, returning where the bytes start. The add
 * is atomic, so the position stays right; reading it first is not, as an
 * atomic fetch-and-add needs 5.12. The bytes of one direction of one TCP
 * socket come from one call at a time in practice; if two ever raced, the
 * agent would see an overlap (counted), and the positions after it would
 * still be right.
 */
static __always_inline __u64 pos_advance(__u64 *pos, __u64 n)
{
	__u64 old = *pos;

	__sync_fetch_and_add(pos, n);
	return old;
}

static __always_inline void stat_inc(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &idx);

	if (v)
		*v += 1;
}

#endif /* __SPANTAP_MAPS_BPF_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The event ABI between spantap's BPF programs and its agent.
 *
 * Every record on the ring buffer starts with struct st_event_hdr. Types are
 * fixed-width uapi integers with explicit padding so both sides agree on the
 * layout without packing; the _Static_asserts at the end catch drift.
 *
 * Enums are append-only: never renumber or reuse a value, a recorded stream
 * (spantap record) must stay readable by later agents.
 */
#ifndef __SPANTAP_EVENT_H
#define __SPANTAP_EVENT_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Hard ceiling of bytes copied per data event; the run-time cap is lower. */
#define ST_PAYLOAD_MAX 4096
/* Default run-time cap (spantap capture --max-bytes). */
#define ST_PAYLOAD_DEFAULT 1024
/* iovecs looked at per readv/writev/sendmsg/recvmsg; later ones are counted */
#define ST_IOV_MAX 8
#define ST_COMM_LEN 16

enum st_event_type {
	ST_EV_CONN_OPEN = 1,
	ST_EV_CONN_CLOSE = 2,
	ST_EV_DATA = 3,
	/* a process the agent may have to attach uprobes to (st_proc_event) */
	ST_EV_PROC_EXEC = 4, /* it exec'd: a new executable */
	ST_EV_PROC_MMAP = 5, /* its dynamic linker mapped libraries */
	ST_EV_PROC_EXIT = 6, /* a process with uprobes attached ended */
};

/* Which side of the connection the observed process is on. */
enum st_role {
	ST_ROLE_UNKNOWN = 0, /* seen first mid-stream */
	ST_ROLE_SERVER = 1,  /* accepted */
	ST_ROLE_CLIENT = 2,  /* connected */
};

enum st_dir {
	ST_DIR_INGRESS = 0, /* bytes the process read */
	ST_DIR_EGRESS = 1,  /* bytes the process wrote */
};

/* The syscall (or, later, kernel function) that moved the bytes. */
enum st_source {
	ST_SRC_READ = 1,
	ST_SRC_WRITE = 2,
	ST_SRC_RECVFROM = 3,
	ST_SRC_SENDTO = 4,
	ST_SRC_RECVMSG = 5,
	ST_SRC_SENDMSG = 6,
	ST_SRC_READV = 7,
	ST_SRC_WRITEV = 8,
	ST_SRC_SENDFILE = 9, /* bytes moved, none copied */
	/* plaintext handed to or taken from a TLS library, not the socket */
	ST_SRC_SSL_READ = 10,
	ST_SRC_SSL_WRITE = 11,
	/* the socket layer (attach mode socket), whatever syscall led there */
	ST_SRC_TCP_SENDMSG = 12,
	ST_SRC_TCP_RECVMSG = 13,
	ST_SRC_TCP_SENDPAGE = 14, /* bytes moved, none copied */
};

/*
 * Connections whose bytes the agent does not want (it found them to speak
 * a protocol it does not parse), in a table the agent writes and the BPF
 * side reads: a slot holds the last such conn id hashed to it, for the
 * connection's socket bytes, or the id's complement, for all its bytes (a
 * TLS connection's plaintext too). A collision only lets bytes through,
 * never holds them back; no id's complement is an id (its CPU bits).
 */
#define ST_OTHER_PROTO_SLOTS_LOG2 14
#define ST_OTHER_PROTO_SLOTS (1u << ST_OTHER_PROTO_SLOTS_LOG2)
/*
 * Fibonacci hashing: ids are a CPU's number over its own sequence, so
 * their low bits alone would put the CPUs' connections in the same slots.
 */
#define ST_OTHER_PROTO_SLOT(id)                 \
	((__u64)((id)*0x9e3779b97f4a7c15ULL) >> \
	 (64 - ST_OTHER_PROTO_SLOTS_LOG2))

/*
 * Processes whose identity the agent has read from /proc, in a table it
 * writes and the BPF side reads: a connection of theirs that opens needs
 * no wakeup of its own. A slot holds the last tgid hashed to it; a
 * collision only costs a wakeup. The exit of the process clears it.
 */
#define ST_KNOWN_PID_SLOTS_LOG2 12
#define ST_KNOWN_PID_SLOTS (1u << ST_KNOWN_PID_SLOTS_LOG2)
#define ST_KNOWN_PID_SLOT(tgid)                \
	((__u32)((__u32)(tgid)*0x9e3779b9U) >> \
	 (32 - ST_KNOWN_PID_SLOTS_LOG2))

/* True for sources whose bytes are a TLS connection's plaintext. */
#define ST_SRC_IS_TLS(src) \
	((src) == ST_SRC_SSL_READ || (src) == ST_SRC_SSL_WRITE)

struct st_event_hdr {
	__u16 type; /* enum st_event_type */
	__u16 flags;
	__u32 size; /* whole record, header and payload */
	/*
	 * CLOCK_MONOTONIC ns. For data: when the bytes crossed the syscall
	 * boundary, the exit of a read and the entry of a write. That way a
	 * server's read can never appear to precede the client's write, nor a
	 * server's write to follow the client's read, on any CPU.
	 */
	__u64 ts_ns;
};

/* ST_EV_CONN_OPEN and ST_EV_CONN_CLOSE */
struct st_conn_event {
	struct st_event_hdr hdr;
	__u64 conn_id; /* unique for the life of one socket, never reused */
	__u32 pid;     /* tgid */
	__u32 tid;
	__s32 fd;     /* -1 when not known (close seen in softirq) */
	__u16 role;   /* enum st_role */
	__u16 family; /* AF_INET or AF_INET6 */
	__u16 lport;  /* host byte order */
	__u16 rport;
	__u32 _pad;
	__u8 laddr[16]; /* IPv4 in the first 4 bytes, network order */
	__u8 raddr[16];
	char comm[ST_COMM_LEN];
};

/* Bits of st_data_event.hdr.flags */
#define ST_DATA_F_TRUNCATED (1u << 0) /* cap_len < len: snapshot cap hit */
#define ST_DATA_F_IOV_TRUNC (1u << 1) /* more iovecs than ST_IOV_MAX */
/*
 * The first bytes of a connection seen from its start, which open no
 * protocol spantap parses (spantap/sniff.h): the kernel holds back the
 * rest of the connection, counted as ST_STAT_OTHER_PROTO_SKIPPED.
 */
#define ST_DATA_F_OTHER_PROTO (1u << 2)

/* ST_EV_DATA, followed by cap_len payload bytes */
struct st_data_event {
	struct st_event_hdr hdr;
	__u64 conn_id;
	__u64 pos; /* stream position of the first byte, per direction */
	__u32 pid;
	__u32 tid;
	__u32 len;     /* bytes the syscall moved */
	__u32 cap_len; /* bytes copied after this header */
	__u16 dir;     /* enum st_dir */
	__u16 source;  /* enum st_source */
	__u32 _pad;
	__u8 payload[];
};

/*
 * ST_EV_PROC_*: only a pid to look at; the agent reads the rest from /proc.
 */
struct st_proc_event {
	struct st_event_hdr hdr;
	__u32 pid; /* tgid */
	__u32 tid;
	char comm[ST_COMM_LEN];
};

/*
 * Counters the BPF side keeps in a per-CPU array; userspace sums and shows
 * them. Append-only, like the enums above.
 */
enum st_stat {
	ST_STAT_EVENTS = 0,	   /* records written to the ring buffer */
	ST_STAT_RB_FULL = 1,	   /* records lost: ring buffer full */
	ST_STAT_CONN_MAP_FULL = 2, /* connections not tracked: map full */
	ST_STAT_ARGS_MAP_FULL = 3, /* syscalls not seen: in-flight map full */
	ST_STAT_READ_FAIL = 4,	   /* payload copies the kernel refused */
	ST_STAT_TRUNCATED = 5,	   /* data events cut at the snapshot cap */
	ST_STAT_IOV_TRUNC =
		6, /* data events with more than ST_IOV_MAX iovecs */
	/* TLS plaintext dropped: no socket seen for its SSL object yet */
	ST_STAT_TLS_NO_SOCKET = 7,
	ST_STAT_TLS_CONNS = 8, /* connections found to be TLS (volume) */
	/*
	 * Data events not sent: socket bytes of a connection the agent found
	 * to speak a protocol it does not parse (volume, not a loss)
	 */
	ST_STAT_OTHER_PROTO_SKIPPED = 9,
	ST_STAT__MAX,
};

#define ST_STAT_NAMES                                                       \
	{                                                                   \
		"events", "ringbuf_full", "conn_map_full", "args_map_full", \
			"payload_read_fail", "payload_truncated",           \
			"iov_truncated", "tls_no_socket", "tls_conns",      \
			"other_proto_skipped"                               \
	}

#ifndef __bpf__
_Static_assert(sizeof(struct st_event_hdr) == 16, "st_event_hdr layout");
_Static_assert(sizeof(struct st_conn_event) == 96, "st_conn_event layout");
_Static_assert(sizeof(struct st_data_event) == 56, "st_data_event layout");
_Static_assert(sizeof(struct st_proc_event) == 40, "st_proc_event layout");
#endif

#endif /* __SPANTAP_EVENT_H */

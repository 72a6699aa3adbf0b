// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Bytes on TCP sockets, and where connections begin and end, from the
 * socket layer's own tracepoints (attach mode sock-tracepoint):
 * sock:sock_send_length and sock:sock_recv_length fire inside
 * sock_sendmsg/sock_recvmsg with the socket and the byte count, and
 * sock:inet_sock_set_state with every TCP state change.
 *
 * No syscall is hooked for data, so:
 * - files and pipes cost nothing (syscall exits ran a program and walked
 *   the fd for every read and write of a selected process);
 * - the socket comes as an argument: no fd walk;
 * - with no syscall tracepoint attached at all (--no-tls), no thread on
 *   the host takes the kernel's traced syscall path.
 * The bytes' buffer is found from the syscall the thread is in, by its
 * saved registers; bytes moved by anything else (io_uring, splice,
 * sendmmsg) are counted, not copied, so positions stay right.
 *
 * Roles come from the handshake (connect's SYN_SENT, a listener's child in
 * SYN_RECV) and wait in conn_roles for the first bytes, which announce the
 * connection with its process; TCP_CLOSE ends it (a process's close() leads
 * there too, one round trip later), and bytes read after it keep its
 * identity through closed_conns. The socket mode (sock_layer.bpf.c) loads
 * stp_tcp_state too, for the same roles and ends.
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
#include "lib/io.bpf.h"
#include "lib/syscall_args.bpf.h"

/* task_struct.flags: threads with no user syscall of their own */
#define ST_PF_IO_WORKER 0x00000010
#define ST_PF_KTHREAD 0x00200000

static __always_inline long syscall_nr(struct pt_regs *regs)
{
#if defined(bpf_target_x86)
	return regs->orig_ax;
#else
#error "syscall_nr: name this architecture's saved syscall number"
#endif
}

/* A process's TCP socket: kernel sockets (NFS, iSCSI) have no file. */
static __always_inline bool user_tcp_sock(struct sock *sk)
{
	if (!sk_inet_tcp(sk) || sk->sk_type != ST_SOCK_STREAM)
		return false;
	return sk->sk_socket && sk->sk_socket->file;
}

static __always_inline bool source_writes(__u16 source)
{
	switch (source) {
	case ST_SRC_WRITE:
	case ST_SRC_SENDTO:
	case ST_SRC_SENDMSG:
	case ST_SRC_WRITEV:
	case ST_SRC_SENDFILE:
		return true;
	}
	return false;
}

static __always_inline int sock_io(struct sock *sk, int ret, int flags,
				   __u16 dir)
{
	struct syscall_io io = {.fd = -1};
	struct task_struct *task;
	struct pt_regs *regs = NULL;
	__u16 source = 0, ioflags = 0;
	__u64 id;
	long nr;

	if (ret <= 0 || (dir == ST_DIR_INGRESS && (flags & ST_MSG_PEEK)))
		return 0;
	id = bpf_get_current_pid_tgid();
	if (!task_selected(id) || !user_tcp_sock(sk))
		return 0;
	task = bpf_get_current_task_btf();
	if (!(task->flags & (ST_PF_KTHREAD | ST_PF_IO_WORKER))) {
		regs = (struct pt_regs *)bpf_task_pt_regs(task);
		nr = syscall_nr(regs);
		if (nr >= 0 && nr < ST_NR_SYSCALLS)
			source = syscall_source[nr];
	}
	if (!regs || !source ||
	    source_writes(source) != (dir == ST_DIR_EGRESS)) {
		/* not a read or write syscall's own bytes: count them */
		source = dir == ST_DIR_EGRESS ? ST_SRC_TCP_SENDMSG
					      : ST_SRC_TCP_RECVMSG;
		ioflags = IO_F_NOCOPY;
	} else if (!syscall_io_args(regs, source, &io)) {
		return 0;
	}
	io_done(id, sk, io.fd, io.buf, io.iovcnt, source, ioflags, dir, ret,
		bpf_ktime_get_ns());
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(stp_sock_recv, struct sock *sk, int ret, int flags)
{
	return sock_io(sk, ret, flags, ST_DIR_INGRESS);
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(stp_sock_send, struct sock *sk, int ret, int flags)
{
	return sock_io(sk, ret, flags, ST_DIR_EGRESS);
}

/*
 * Runs for every TCP state change on the host, the handshake's often in
 * softirq, where there is no process to filter on: a connection's first
 * bytes name its process.
 */
static __always_inline int tcp_state(struct sock *sk, int oldstate,
				     int newstate)
{
	__u64 key = (__u64)sk;
	__u16 role;

	if (sk->sk_protocol != IPPROTO_TCP)
		return 0;
	switch (newstate) {
	case TCP_SYN_SENT: /* connect(), in the connecting thread */
		if (!task_selected(bpf_get_current_pid_tgid()))
			return 0;
		role = ST_ROLE_CLIENT;
		break;
	case TCP_SYN_RECV: /* a listener's new child; else simultaneous open */
		if (oldstate != TCP_LISTEN)
			return 0;
		role = ST_ROLE_SERVER;
		break;
	case TCP_CLOSE:
		conn_close(sk, -1, 0);
		return 0;
	default:
		return 0;
	}
	/*
	 * A new connection: whatever a struct sock at this address left
	 * behind (a close not seen, a reset's late bytes) is another's.
	 */
	conn_close(sk, -1, 0);
	bpf_map_delete_elem(&closed_conns, &key);
	bpf_map_update_elem(&conn_roles, &key, &role, BPF_ANY);
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(stp_tcp_state, struct sock *sk, int oldstate, int newstate)
{
	return tcp_state(sk, oldstate, newstate);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

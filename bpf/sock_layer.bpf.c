// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Bytes on TCP sockets at the socket layer (attach mode socket): where
 * tcp_sendmsg and tcp_recvmsg run, whatever brought them there (write,
 * send, sendmsg, splice, sendfile on 6.5+, io_uring). The socket comes as
 * an argument: no fd walk, and no cost at all for files and pipes.
 *
 * Each hook has an fentry/fexit form (a BPF trampoline, cheapest) and a
 * kprobe/kretprobe form for kernels without trampolines; the loader
 * loads one. Both feed lib/io.bpf.h, so the events are those of the
 * syscall tracepoints. tcp_close ends a connection as close() does in
 * tracepoint mode. Roles come from TCP's states (stp_tcp_state, in
 * sock_tracepoints.bpf.c), as in the socket tracepoints' mode, not from
 * accept and connect: one syscall tracepoint attached sends every
 * syscall on the host down the kernel's traced path.
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
#include "lib/io.bpf.h"

/* iov_iter before 5.14: the type shares a word with the direction bit */
struct iov_iter___v510 {
	unsigned int type;
} __attribute__((preserve_access_index));

/* iov_iter before 6.4: the iovec array was "iov" */
struct iov_iter___v61 {
	const struct iovec *iov;
} __attribute__((preserve_access_index));

/*
 * Where the bytes of an iov_iter are: a user buffer (ITER_UBUF, 6.0+), the
 * kernel's copy of the user's iovecs (ITER_IOVEC), or pages and kernel
 * memory (sendfile, splice, kernel senders) that are counted, not copied.
 */
static __always_inline void iter_source(struct iov_iter *it, __u64 *buf,
					__u32 *iovcnt, __u16 *flags)
{
	__u64 off = BPF_CORE_READ(it, iov_offset);
	int type;

	*buf = 0;
	*iovcnt = 0;
	if (bpf_core_field_exists(it->iter_type)) {
		type = BPF_CORE_READ(it, iter_type);
	} else {
		struct iov_iter___v510 *old = (void *)it;

		type = BPF_CORE_READ(old, type) & ~1U; /* READ/WRITE bit */
	}
	if (bpf_core_enum_value_exists(enum iter_type, ITER_UBUF) &&
	    type == bpf_core_enum_value(enum iter_type, ITER_UBUF)) {
		*buf = (__u64)BPF_CORE_READ(it, ubuf) + off;
		return;
	}
	/* a transfer resumed inside an iovec is rare: count, do not copy */
	if (type == bpf_core_enum_value(enum iter_type, ITER_IOVEC) && !off) {
		if (bpf_core_field_exists(it->__iov)) {
			*buf = (__u64)BPF_CORE_READ(it, __iov);
		} else {
			struct iov_iter___v61 *old = (void *)it;

			*buf = (__u64)BPF_CORE_READ(old, iov);
		}
		*iovcnt = BPF_CORE_READ(it, nr_segs);
		*flags |= IO_F_KIOV;
		return;
	}
	*flags |= IO_F_NOCOPY;
}

static __always_inline int msg_start(struct sock *sk, struct msghdr *msg,
				     __u16 source, __u16 dir)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 iovcnt;
	__u16 flags = 0;
	__u64 buf;

	if (!task_selected(id))
		return 0;
	/* a TCP socket by construction; only the family is left to check */
	if (BPF_CORE_READ(sk, __sk_common.skc_family) != ST_AF_INET &&
	    BPF_CORE_READ(sk, __sk_common.skc_family) != ST_AF_INET6)
		return 0;
	iter_source(&msg->msg_iter, &buf, &iovcnt, &flags);
	io_park(id, sk, -1, buf, iovcnt, flags, source, dir);
	return 0;
}

static __always_inline int recv_start(struct sock *sk, struct msghdr *msg,
				      int flags)
{
	if (flags & ST_MSG_PEEK)
		return 0;
	return msg_start(sk, msg, ST_SRC_TCP_RECVMSG, ST_DIR_INGRESS);
}

/* sendfile and splice before 6.5: pages, counted for stream positions */
static __always_inline int page_start(struct sock *sk)
{
	__u64 id = bpf_get_current_pid_tgid();

	if (task_selected(id))
		io_park(id, sk, -1, 0, 0, IO_F_NOCOPY, ST_SRC_TCP_SENDPAGE,
			ST_DIR_EGRESS);
	return 0;
}

static __always_inline int sk_end(struct sock *sk)
{
	conn_close(sk, -1, bpf_get_current_pid_tgid());
	return 0;
}

/* --- fentry/fexit ---------------------------------------------------- */

SEC("fentry/tcp_sendmsg")
int BPF_PROG(fe_tcp_sendmsg, struct sock *sk, struct msghdr *msg)
{
	return msg_start(sk, msg, ST_SRC_TCP_SENDMSG, ST_DIR_EGRESS);
}

SEC("fexit/tcp_sendmsg")
int BPF_PROG(fx_tcp_sendmsg, struct sock *sk, struct msghdr *msg, size_t size,
	     int ret)
{
	return io_exit(ret, ST_DIR_EGRESS);
}

/* raw context: the argument list changed in 5.19 */
/*
 * Raw context: the argument list changed in 5.19. Both candidate flags
 * words are read (both are arguments either way) and one kept: a
 * computed context offset is refused by the verifier.
 */
SEC("fentry/tcp_recvmsg")
int fe_tcp_recvmsg(unsigned long long *ctx)
{
	int flags4 = ctx[4], flags3 = ctx[3];

	return recv_start((struct sock *)ctx[0], (struct msghdr *)ctx[1],
			  recvmsg_nargs == 6 ? flags4 : flags3);
}

/* 6 arguments: before 5.19, the return value follows them; since, ask */
SEC("fexit/tcp_recvmsg")
int fx_tcp_recvmsg(unsigned long long *ctx)
{
	__u64 ret = 0;

	if (recvmsg_nargs == 6)
		ret = ctx[6];
	else
		bpf_get_func_ret(ctx, &ret);
	return io_exit((int)ret, ST_DIR_INGRESS);
}

SEC("fentry/tcp_sendpage")
int BPF_PROG(fe_tcp_sendpage, struct sock *sk)
{
	return page_start(sk);
}

SEC("fexit/tcp_sendpage")
int BPF_PROG(fx_tcp_sendpage, struct sock *sk, struct page *page, int offset,
	     size_t size, int flags, int ret)
{
	return io_exit(ret, ST_DIR_EGRESS);
}

SEC("fentry/tcp_close")
int BPF_PROG(fe_tcp_close, struct sock *sk)
{
	return sk_end(sk);
}

/* --- kprobe/kretprobe ------------------------------------------------ */

SEC("kprobe/tcp_sendmsg")
int BPF_KPROBE(kp_tcp_sendmsg, struct sock *sk, struct msghdr *msg)
{
	return msg_start(sk, msg, ST_SRC_TCP_SENDMSG, ST_DIR_EGRESS);
}

SEC("kretprobe/tcp_sendmsg")
int BPF_KRETPROBE(kr_tcp_sendmsg, int ret)
{
	return io_exit(ret, ST_DIR_EGRESS);
}

SEC("kprobe/tcp_recvmsg")
int BPF_KPROBE(kp_tcp_recvmsg, struct sock *sk, struct msghdr *msg)
{
	int flags5 = PT_REGS_PARM5(ctx), flags4 = PT_REGS_PARM4(ctx);

	return recv_start(sk, msg, recvmsg_nargs == 6 ? flags5 : flags4);
}

SEC("kretprobe/tcp_recvmsg")
int BPF_KRETPROBE(kr_tcp_recvmsg, int ret)
{
	return io_exit(ret, ST_DIR_INGRESS);
}

SEC("kprobe/tcp_sendpage")
int BPF_KPROBE(kp_tcp_sendpage, struct sock *sk)
{
	return page_start(sk);
}

SEC("kretprobe/tcp_sendpage")
int BPF_KRETPROBE(kr_tcp_sendpage, int ret)
{
	return io_exit(ret, ST_DIR_EGRESS);
}

SEC("kprobe/tcp_close")
int BPF_KPROBE(kp_tcp_close, struct sock *sk)
{
	return sk_end(sk);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

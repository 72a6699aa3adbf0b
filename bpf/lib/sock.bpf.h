/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* From a file descriptor of the current task to its TCP socket, with CO-RE. */
#ifndef __SPANTAP_SOCK_BPF_H
#define __SPANTAP_SOCK_BPF_H

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

/* uapi constants that vmlinux.h does not carry (they are macros) */
#define ST_AF_INET 2
#define ST_AF_INET6 10
#define ST_S_IFMT 00170000
#define ST_S_IFSOCK 0140000
#define ST_SOCK_STREAM 1
#define ST_MSG_PEEK 0x2
#define ST_EINPROGRESS 115

/*
 * The TCP socket behind fd in the current task, or NULL. This runs on every
 * read and write of a selected process, so it bails at the first sign of a
 * non-socket (the inode mode) before touching socket fields.
 */
static __always_inline struct sock *fd_to_tcp_sock(int fd)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	struct fdtable *fdt;
	struct file **fds;
	struct file *file = NULL;
	struct socket *sock;
	struct sock *sk;
	__u16 family, protocol;
	umode_t mode;

	if (fd < 0)
		return NULL;
	fdt = BPF_CORE_READ(task, files, fdt);
	if (!fdt || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) || !file)
		return NULL;
	mode = BPF_CORE_READ(file, f_inode, i_mode);
	if ((mode & ST_S_IFMT) != ST_S_IFSOCK)
		return NULL;
	sock = BPF_CORE_READ(file, private_data);
	if (!sock || BPF_CORE_READ(sock, type) != ST_SOCK_STREAM)
		return NULL;
	sk = BPF_CORE_READ(sock, sk);
	if (!sk)
		return NULL;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != ST_AF_INET && family != ST_AF_INET6)
		return NULL;
	/* a bitfield before 5.6 (commit bf9765145b85), a u16 since */
	protocol = BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol);
	if (protocol != IPPROTO_TCP)
		return NULL;
	return sk;
}

/* An IPv4 or IPv6 TCP socket; sk a BTF pointer, loaded directly. */
static __always_inline bool sk_inet_tcp(const struct sock *sk)
{
	__u16 family = sk->__sk_common.skc_family;

	return (family == ST_AF_INET || family == ST_AF_INET6) &&
	       sk->sk_protocol == IPPROTO_TCP;
}

#ifdef ST_BTF_WALK
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;

/*
 * The same walk with direct loads through BTF pointers (6.2+: the current
 * task's BTF pointer, bpf_rdonly_cast for the untyped links), no helper
 * call at all where a dozen probe reads were. A fault reads as 0.
 */
static __always_inline struct sock *fd_to_tcp_sock_btf(int fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt;
	struct list_head *slot;
	struct file *file;
	struct socket *sock;
	struct sock *sk;
	__u64 addr;

	if (fd < 0)
		return NULL;
	fdt = task->files->fdt;
	if ((unsigned int)fd >= fdt->max_fds)
		return NULL;
	/*
	 * The fd array's slot: the verifier takes no variable index into a
	 * BTF pointer, and bpf_probe_read_kernel cost about 80 ns a call. Cast
	 * the slot's address to a struct whose first member is a pointer
	 * (list_head's next) and load that: one fault-safe load.
	 */
	addr = (__u64)fdt->fd + (__u64)fd * sizeof(struct file *);
	slot = bpf_rdonly_cast((void *)addr,
			       bpf_core_type_id_kernel(struct list_head));
	if (!slot->next)
		return NULL;
	file = bpf_rdonly_cast(slot->next,
			       bpf_core_type_id_kernel(struct file));
	if ((file->f_inode->i_mode & ST_S_IFMT) != ST_S_IFSOCK)
		return NULL;
	sock = bpf_rdonly_cast(file->private_data,
			       bpf_core_type_id_kernel(struct socket));
	if (sock->type != ST_SOCK_STREAM)
		return NULL;
	sk = sock->sk;
	return sk_inet_tcp(sk) ? sk : NULL;
}
#endif

/* Local and remote port in host byte order. */
static __always_inline void sk_ports(struct sock *sk, __u16 *lport,
				     __u16 *rport)
{
	*lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	*rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
}

#endif /* __SPANTAP_SOCK_BPF_H */

/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Where a read or write syscall's bytes are, from the thread's saved user
 * registers (bpf_task_pt_regs, 5.15+): they still hold the arguments when
 * the call is over, so nothing has to be kept from its entry. Shared by
 * the syscall exit programs (lib/io_done.bpf.h) and the socket
 * tracepoints (sock_tracepoints.bpf.c), which fire inside the syscall.
 */
#ifndef __SPANTAP_SYSCALL_ARGS_BPF_H
#define __SPANTAP_SYSCALL_ARGS_BPF_H

#include <bpf/bpf_tracing.h>

#include "lib/maps.bpf.h"
#include "lib/sock.bpf.h"

struct syscall_io {
	__u64 buf; /* user buffer, or iovec array when iovcnt > 0; 0: none */
	__u32 iovcnt;
	__s32 fd;
};

static __always_inline struct pt_regs *syscall_regs(void)
{
	return (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
}

/*
 * The arguments of the source syscall, as regs hold them: the registers
 * are a BTF pointer, loaded directly. False when the call moved no bytes
 * of a stream (a peek) or its message header cannot be read.
 */
static __always_inline bool syscall_io_args(struct pt_regs *regs, __u16 source,
					    struct syscall_io *io)
{
	struct user_msghdr m;

	io->fd = PT_REGS_PARM1_SYSCALL(regs);
	io->buf = PT_REGS_PARM2_SYSCALL(regs);
	io->iovcnt = 0;
	switch (source) {
	case ST_SRC_RECVFROM:
		return !(PT_REGS_PARM4_SYSCALL(regs) & ST_MSG_PEEK);
	case ST_SRC_READV:
	case ST_SRC_WRITEV:
		io->iovcnt = PT_REGS_PARM3_SYSCALL(regs);
		return true;
	case ST_SRC_RECVMSG:
	case ST_SRC_SENDMSG:
		if ((source == ST_SRC_RECVMSG &&
		     (PT_REGS_PARM3_SYSCALL(regs) & ST_MSG_PEEK)) ||
		    bpf_probe_read_user(&m, sizeof(m), (void *)io->buf))
			return false;
		io->buf = (__u64)m.msg_iov;
		io->iovcnt = m.msg_iovlen;
		return io->buf && io->iovcnt;
	case ST_SRC_SENDFILE:
		/* no user bytes: positions only */
		io->buf = 0;
		return true;
	}
	return true;
}

#endif /* __SPANTAP_SYSCALL_ARGS_BPF_H */

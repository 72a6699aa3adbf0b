/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Reads and writes, by their exit where the kernel lends the thread's saved
 * registers (bpf_task_pt_regs, 5.15+): the arguments are still there (and
 * a write's bytes still in its buffer), so there is no entry program at
 * all, and a call that moved nothing (EAGAIN, most of an event loop's
 * reads) costs one comparison at the exit. Both are timed at the exit.
 * By a write's return the peer on this node may have read, and even
 * answered, on the other CPU; the agent bounds the two ends' times when it
 * links them (span/correlate.h), which costs nothing here, where an entry
 * program noting each write's start cost a hooked event per write.
 *
 * The includer names the fd walk (IO_DONE_FD_TO_SOCK) and the programs'
 * suffix (IO_DONE_SUFFIX), then places IO_DONE_PROGS: one object per walk,
 * and the loader loads the set the kernel can run.
 */
#ifndef __SPANTAP_IO_DONE_BPF_H
#define __SPANTAP_IO_DONE_BPF_H

#include "lib/maps.bpf.h"
#include "lib/filter.bpf.h"
#include "lib/io.bpf.h"
#include "lib/syscall_args.bpf.h"

static __always_inline int io_done_regs(long ret, __u16 source, __u16 dir)
{
	struct syscall_io io;
	struct sock *sk;
	__u64 id;

	if (ret <= 0)
		return 0;
	id = bpf_get_current_pid_tgid();
	if (!task_selected(id))
		return 0;
	if (!syscall_io_args(syscall_regs(), source, &io))
		return 0;
	sk = IO_DONE_FD_TO_SOCK(io.fd);
	if (sk)
		io_done(id, sk, io.fd, io.buf, io.iovcnt, source, 0, dir, ret,
			bpf_ktime_get_ns());
	return 0;
}

#define IO_DONE_NAME_(call, sfx) tp_##call##sfx
#define IO_DONE_NAME(call, sfx) IO_DONE_NAME_(call, sfx)
#define IO_DONE_PROG(call, source, dir)                                      \
	SEC("tracepoint/syscalls/sys_exit_" #call)                           \
	int IO_DONE_NAME(call, IO_DONE_SUFFIX)(                              \
		struct trace_event_raw_sys_exit * ctx)                       \
	{                                                                    \
		return io_done_regs(ctx->ret, source, dir);                  \
	}

#define IO_DONE_PROGS()                                                      \
	IO_DONE_PROG(read, ST_SRC_READ, ST_DIR_INGRESS)                      \
	IO_DONE_PROG(recvfrom, ST_SRC_RECVFROM, ST_DIR_INGRESS)              \
	IO_DONE_PROG(readv, ST_SRC_READV, ST_DIR_INGRESS)                    \
	IO_DONE_PROG(recvmsg, ST_SRC_RECVMSG, ST_DIR_INGRESS)                \
	IO_DONE_PROG(write, ST_SRC_WRITE, ST_DIR_EGRESS)                     \
	IO_DONE_PROG(sendto, ST_SRC_SENDTO, ST_DIR_EGRESS)                   \
	IO_DONE_PROG(writev, ST_SRC_WRITEV, ST_DIR_EGRESS)                   \
	IO_DONE_PROG(sendmsg, ST_SRC_SENDMSG, ST_DIR_EGRESS)                 \
	IO_DONE_PROG(sendfile64, ST_SRC_SENDFILE, ST_DIR_EGRESS)

#endif /* __SPANTAP_IO_DONE_BPF_H */

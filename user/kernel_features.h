/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * What the running kernel offers, found by trying, never by version number.
 * Shared by `spantap check` and the loader's choice of attach mode.
 */
#ifndef __SPANTAP_KERNEL_FEATURES_H
#define __SPANTAP_KERNEL_FEATURES_H

#include <stdbool.h>

#define TRACEFS_PATH "/sys/kernel/tracing"

struct kernel_features {
	char release[65];
	bool privileged; /* root, or CAP_BPF + CAP_PERFMON */
	bool btf;	 /* /sys/kernel/btf/vmlinux */
	bool ringbuf;
	bool tracefs;		  /* mounted (possibly by us) */
	bool tracefs_mounted_now; /* we mounted it during this probe */
	int tracefs_errno;	  /* why mounting failed */
	bool syscall_tracepoints; /* syscalls:sys_{enter,exit}_* */
	bool sock_tracepoint;	  /* sock:inet_sock_set_state */
	/* sock:sock_{send,recv}_length and inet_sock_set_state, by BTF */
	bool sock_io_tracepoints;
	bool kprobes;
	bool fentry;
	bool uprobes;
};

/*
 * Fill f. With mount_tracefs, mount tracefs when it is missing (tracepoints
 * are resolved through it). Never fails; missing things read false.
 */
void kernel_features__probe(struct kernel_features *f, bool mount_tracefs);

enum attach_mode {
	ATTACH_MODE_AUTO = 0,
	ATTACH_MODE_TRACEPOINT = 1,
	/* tcp_sendmsg/tcp_recvmsg/tcp_close, by fentry or else kprobes */
	ATTACH_MODE_SOCKET = 2,
	/* the socket layer by one means only (to test or compare them) */
	ATTACH_MODE_FENTRY = 3,
	ATTACH_MODE_KPROBE = 4,
	/* the socket layer's tracepoints: no syscall hooked for data */
	ATTACH_MODE_SOCK_TP = 5,
};

const char *attach_mode__name(enum attach_mode m);
int attach_mode__parse(const char *s, enum attach_mode *ret_mode);

/*
 * The mode to use for the one requested: ATTACH_MODE_SOCK_TP,
 * ATTACH_MODE_SOCKET (and then whether by fentry, else kprobes) or
 * ATTACH_MODE_TRACEPOINT. auto takes the socket tracepoints where the
 * kernel has them (no syscall hooked for data: the cheapest, for the
 * traced and for every other process), else the socket layer where it has
 * fentry or kprobes (fentry first), else syscall tracepoints. Returns
 * -ENOTSUP when the requested mode cannot work here; *ret_missing then
 * names the first thing lacking.
 */
int kernel_features__choose_mode(const struct kernel_features *f,
				 enum attach_mode requested,
				 enum attach_mode *ret_mode, bool *ret_fentry,
				 const char **ret_missing);

#endif /* __SPANTAP_KERNEL_FEATURES_H */

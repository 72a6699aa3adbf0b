// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The look at a connection's first bytes (spantap/sniff.h) as a global
 * function: the verifier checks a global function once per program, where
 * a static or inlined one is checked again on every path that reaches it,
 * and after a copy's many paths that multiplied its work fifty-fold.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>

#include "lib/sniff.bpf.h"

__noinline int sniff_conn_start(__u64 first, __u32 n)
{
	return st_sniff_conn_start(first, n);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* The first bytes of a connection, judged in the kernel (sniff.bpf.c). */
#ifndef __SPANTAP_SNIFF_BPF_H
#define __SPANTAP_SNIFF_BPF_H

#include "spantap/sniff.h"

/*
 * enum st_sniff of the first bytes of a connection's first transfer: first
 * holds them as a little-endian load, n of them real.
 */
int sniff_conn_start(__u64 first, __u32 n);

#endif /* __SPANTAP_SNIFF_BPF_H */

/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
#ifndef __SPANTAP_CLOCK_H
#define __SPANTAP_CLOCK_H

#include <stdint.h>

/* CLOCK_MONOTONIC in ns, the clock of bpf_ktime_get_ns(). */
uint64_t clock__mono_ns(void);
/* CLOCK_REALTIME in ns since the epoch. */
uint64_t clock__wall_ns(void);
/*
 * wall - monotonic, sampled a few times, keeping the sample taken in the
 * shortest window, so kernel timestamps convert to wall clock within a
 * microsecond or so.
 */
int64_t clock__mono_to_wall(void);

#endif /* __SPANTAP_CLOCK_H */

/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* The counters capture prints when it stops (capture_report.c). */
#ifndef __SPANTAP_CAPTURE_REPORT_H
#define __SPANTAP_CAPTURE_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "pipeline.h"
#include "spantap/event.h"

/* The kernel counters that are losses, summed; k: ST_STAT__MAX of them */
uint64_t capture_report__kernel_losses(const uint64_t *k);
/* "spantap: kernel: name=value, ..." of the ST_STAT__MAX counters k */
void capture_report__kernel(FILE *f, const uint64_t *k);
/* The agent's lines: agent, http1 and links */
void capture_report__pipeline(FILE *f, const struct pipeline_stats *ps);

#endif /* __SPANTAP_CAPTURE_REPORT_H */

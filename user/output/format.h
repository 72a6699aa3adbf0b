/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Terminal formatting shared by the pretty lines and the summary table.
 * Span text comes from the network, so it is never sent to a terminal as it
 * is: control characters could move the cursor or rewrite the screen.
 */
#ifndef __SPANTAP_FORMAT_H
#define __SPANTAP_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "span/span.h"

/* Longest text format__duration writes, NUL included. */
#define FORMAT_DURATION_MAX 16
/* Widest cell format__cell draws; wider requests are narrowed. */
#define FORMAT_CELL_MAX 256

/*
 * Three significant digits in the largest unit that keeps the number at 1
 * or more: "812ns", "8.12µs", "12.3ms", "1.20s"; then "16m40s", "2h03m".
 * Returns the bytes written (NUL not counted).
 */
size_t format__duration(char *buf, size_t size, uint64_t ns);

/*
 * Copy s into dst for a terminal: C0/C1 controls, DEL and bidi overrides
 * become '?', ill-formed UTF-8 U+FFFD. Text wider than max_cols columns is
 * cut to max_cols - 1 and ends with "…". Columns are counted one per code
 * point. Returns the bytes written (dst NUL-terminated); *ret_cols, when not
 * NULL, gets the columns.
 */
size_t format__term(char *dst, size_t dst_size, const char *s, size_t len,
		    size_t max_cols, size_t *ret_cols);

/* s as format__term in a cell of width columns, padded with spaces. */
void format__cell(FILE *f, const char *s, size_t len, size_t width,
		  bool align_left);

/* The columns s takes once made safe, at most max_cols. */
size_t format__cols(const char *s, size_t len, size_t max_cols);

/* fflush, then 0 or -errno of the first failed write since the last call */
int format__flush(FILE *f);

/* "server", "client", ... ; abbr: "SRV", "CLI", ... */
const char *format__kind(uint8_t kind, bool abbr);

/* Span duration, 0 when the end precedes the start. */
static inline uint64_t format__span_duration(const struct span *s)
{
	return s->end_ns > s->start_ns ? s->end_ns - s->start_ns : 0;
}

/* The writers behind output__span: 0 or -errno, flushed. */
int output_json__span(FILE *f, const struct span *s);
int output_pretty__span(FILE *f, const struct span *s, bool color);
struct otlp_resources;
struct proc_info;
/* One OTLP JSON TracesData per line, as the Collector's file exporter. */
int output_otlp_json__span(FILE *f, struct otlp_resources *t,
			   const struct span *s, const struct proc_info *pi);

#endif /* __SPANTAP_FORMAT_H */

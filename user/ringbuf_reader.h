/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The consumer side of a BPF ring buffer (BPF_MAP_TYPE_RINGBUF), read
 * directly from its mapping. Unlike libbpf's ring_buffer__consume it
 * prefetches the records ahead of the one being handled and hands space
 * back to the producers in steps, not after every record: both matter
 * when the producers run on other CPUs and every record arrives as a
 * cache miss.
 */
#ifndef __SPANTAP_RINGBUF_READER_H
#define __SPANTAP_RINGBUF_READER_H

#include <stddef.h>

struct ringbuf_reader;

/* Return nonzero to stop consuming; the record counts as consumed. */
typedef int (*ringbuf_fn)(void *ctx, void *data, size_t len);

int ringbuf_reader__new(int map_fd, ringbuf_fn fn, void *ctx,
			struct ringbuf_reader **ret);
/*
 * Wait up to timeout_ms for a wakeup: 1 when woken, 0 when the time ran
 * out, or -errno (-EINTR included).
 */
int ringbuf_reader__poll(struct ringbuf_reader *r, int timeout_ms);
/* Hand every committed record to fn: how many, or -errno. */
long ringbuf_reader__consume(struct ringbuf_reader *r);
void ringbuf_reader__free(struct ringbuf_reader *r);

#endif /* __SPANTAP_RINGBUF_READER_H */

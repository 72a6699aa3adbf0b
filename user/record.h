/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Recordings of raw events (spantap record / replay): a header, then each
 * ring buffer record as a 32-bit length and its bytes, exactly as the BPF
 * side wrote them. Replaying one drives the same pipeline as capture, so
 * the agent's cost can be measured, and parsing bugs reproduced, without
 * the kernel.
 *
 *   header (32 bytes, little endian):
 *     char    magic[8]       "SPANTAP\0"
 *     __u32   version        RECORD_VERSION
 *     __u32   header_size    32
 *     __s64   mono_to_wall   wall clock ns - CLOCK_MONOTONIC ns at record
 *     __u64   reserved       0
 *   then repeated:  __u32 len; __u8 bytes[len]   (len <= RECORD_MAX_LEN)
 */
#ifndef __SPANTAP_RECORD_H
#define __SPANTAP_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define RECORD_MAGIC "SPANTAP"
#define RECORD_VERSION 1
#define RECORD_HEADER_SIZE 32
/* Larger than any event the BPF side can write; anything bigger is corrupt. */
#define RECORD_MAX_LEN 65536

/* Write the header. 0 or -errno. */
int record__write_header(FILE *f, int64_t mono_to_wall);
/* Append one record. 0 or -errno (-E2BIG past RECORD_MAX_LEN). */
int record__write(FILE *f, const void *data, size_t len);

struct record_reader {
	const uint8_t *buf; /* the whole file */
	size_t len;
	size_t off; /* next record */
	int64_t mono_to_wall;
	/* records are copied here so they are aligned for the event structs */
	uint64_t aligned[RECORD_MAX_LEN / sizeof(uint64_t)];
};

/*
 * Check the header of buf[len] and set up r. -EINVAL for a file that is
 * not a recording, -ENOTSUP for a version this build cannot read.
 */
int record_reader__init(struct record_reader *r, const uint8_t *buf,
			size_t len);
/*
 * The next record: 1 with *ret_data and *ret_len set (valid until the next
 * call), 0 at the end, -EBADMSG when the file is cut or a length is
 * impossible (r->off is where).
 */
int record_reader__next(struct record_reader *r, const void **ret_data,
			size_t *ret_len);

#endif /* __SPANTAP_RECORD_H */

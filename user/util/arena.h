/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * A bump allocator for work that is thrown away whole: one OTLP request is
 * built in an arena and released at once, instead of a malloc and a free per
 * message and string. Chunks are kept across arena__reset, so a steady
 * exporter stops calling malloc after its first batches.
 */
#ifndef __SPANTAP_ARENA_H
#define __SPANTAP_ARENA_H

#include <stddef.h>

struct arena_chunk;

struct arena {
	struct arena_chunk *head;  /* chunk being filled */
	struct arena_chunk *spare; /* emptied by arena__reset */
	size_t chunk_size;
	size_t used; /* bytes handed out since the last reset */
};

/* chunk_size: bytes per chunk (larger requests get a chunk of their own). */
void arena__init(struct arena *a, size_t chunk_size);
/* size bytes, aligned for any type; NULL when out of memory. */
void *arena__alloc(struct arena *a, size_t size);
/* As arena__alloc, zeroed. */
void *arena__zalloc(struct arena *a, size_t size);
/* A NUL-terminated copy of len bytes of s. */
char *arena__strndup(struct arena *a, const char *s, size_t len);
/* Forget everything allocated; memory is kept for reuse. */
void arena__reset(struct arena *a);
/* Release all memory; a stays usable after arena__init. NULL-safe. */
void arena__free(struct arena *a);

#endif /* __SPANTAP_ARENA_H */

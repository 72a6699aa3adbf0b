/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * A hash map of fixed-size keys and values with a fixed capacity, all memory
 * taken up front. When it is full, a new key pushes out the oldest one put
 * in (first in, first out), so a map of recent things stays bounded
 * whatever the traffic. Linear probing; deletion shifts entries back, so
 * there are no tombstones to pile up.
 */
#ifndef __SPANTAP_FIXMAP_H
#define __SPANTAP_FIXMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fixmap;

/* NULL with errno on failure. */
struct fixmap *fixmap__new(size_t max_entries, size_t key_size,
			   size_t val_size);
/*
 * Hash only the first n bytes of keys (n <= key size; call before any
 * put). Keys alike in those share a probe run: one connection's entries
 * stay in the same few cache lines, where hashing all of each key spread
 * them over the whole table. Only for keys of which few share a prefix at
 * once: a run is searched in full.
 */
void fixmap__hash_prefix(struct fixmap *m, size_t n);
/* The value of key, or NULL. */
void *fixmap__get(const struct fixmap *m, const void *key);
/*
 * The value of key, added (zeroed) when absent; *ret_added says which.
 * Adding to a full map evicts the oldest entry and counts it; NULL in the
 * rare case nothing could be evicted.
 */
void *fixmap__put(struct fixmap *m, const void *key, bool *ret_added);
void fixmap__del(struct fixmap *m, const void *key);
/*
 * The hash of key, for the _h calls, which take it instead of hashing the
 * key again: for a caller that looks one key up more than once, or that
 * keeps a key's hash (e.g. a connection's, for each of its requests). It
 * depends only on the hashed bytes (see fixmap__hash_prefix): maps that
 * hash as many bytes give a key the same hash.
 */
uint64_t fixmap__hash(const struct fixmap *m, const void *key);
/* fixmap__get and fixmap__put of key, h being fixmap__hash(m, key) */
void *fixmap__get_h(const struct fixmap *m, const void *key, uint64_t h);
void *fixmap__put_h(struct fixmap *m, const void *key, uint64_t h,
		    bool *ret_added);
/* Delete the entry whose value val is (from get or put): no second lookup. */
void fixmap__del_value(struct fixmap *m, void *val);
size_t fixmap__count(const struct fixmap *m);
/* Entries pushed out by newer ones since the map was made. */
uint64_t fixmap__evicted(const struct fixmap *m);
void fixmap__free(struct fixmap *m);

#endif /* __SPANTAP_FIXMAP_H */

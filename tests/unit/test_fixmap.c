// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* The bounded map under the linking tables: against a simple model. */
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "util/fixmap.h"

TEST(fixmap_put_get_del)
{
	struct fixmap *m = fixmap__new(8, sizeof(uint64_t), sizeof(uint32_t));
	uint64_t k = 42;
	uint32_t *v;
	bool added;

	ASSERT_TRUE(m);
	ASSERT_TRUE(!fixmap__get(m, &k));
	v = fixmap__put(m, &k, &added);
	ASSERT_TRUE(v && added && *v == 0);
	*v = 7;
	v = fixmap__put(m, &k, &added);
	ASSERT_TRUE(v && !added && *v == 7);
	ASSERT_EQ(*(uint32_t *)fixmap__get(m, &k), 7);
	fixmap__del(m, &k);
	ASSERT_TRUE(!fixmap__get(m, &k));
	ASSERT_EQ(fixmap__count(m), 0);
	fixmap__free(m);
}

TEST(fixmap_full_evicts_oldest)
{
	struct fixmap *m = fixmap__new(4, sizeof(uint64_t), sizeof(uint64_t));

	for (uint64_t k = 1; k <= 6; k++)
		*(uint64_t *)fixmap__put(m, &k, NULL) = k * 10;
	ASSERT_EQ(fixmap__count(m), 4);
	ASSERT_EQ(fixmap__evicted(m), 2);
	for (uint64_t k = 1; k <= 6; k++) {
		uint64_t *v = fixmap__get(m, &k);

		ASSERT_EQ(v != NULL, k > 2);
		if (v)
			ASSERT_EQ(*v, k * 10);
	}
	fixmap__free(m);
}

/*
 * Deleting by value finds the slot from the value's address: for slot
 * sizes of every shape (odd multiples of 8, powers of two, and between),
 * only the entry whose value it is goes.
 */
TEST(fixmap_del_value_slot_sizes)
{
	static const size_t key_sizes[] = {4, 8, 12, 40, 48};
	static const size_t val_sizes[] = {1, 8, 9, 16, 24, 40, 56};
	enum { N = 40 };

	for (size_t a = 0; a < sizeof(key_sizes) / sizeof(key_sizes[0]); a++) {
		for (size_t b = 0; b < sizeof(val_sizes) / sizeof(val_sizes[0]);
		     b++) {
			struct fixmap *m =
				fixmap__new(N, key_sizes[a], val_sizes[b]);
			uint8_t key[48] = {0};

			ASSERT_TRUE(m);
			for (int k = 0; k < N; k++) {
				key[0] = k;
				ASSERT_TRUE(fixmap__put(m, key, NULL));
			}
			/* every other key, by its value's address */
			for (int k = 0; k < N; k += 2) {
				key[0] = k;
				fixmap__del_value(m, fixmap__get(m, key));
			}
			ASSERT_EQ(fixmap__count(m), N / 2);
			for (int k = 0; k < N; k++) {
				key[0] = k;
				ASSERT_EQ(fixmap__get(m, key) != NULL, k % 2);
			}
			fixmap__free(m);
		}
	}
}

/*
 * Keys and values of every size are copied whole (short ones inline, by
 * words that may overlap): a new value reads zero after its slot held
 * another, and eviction finds the oldest keys by their queued copies.
 */
TEST(fixmap_sizes_copy_and_evict)
{
	static const size_t key_sizes[] = {4, 8, 12, 16, 20, 40, 48};
	static const size_t val_sizes[] = {1, 4, 8, 12, 16, 17, 40};
	enum { N = 16 };

	for (size_t a = 0; a < sizeof(key_sizes) / sizeof(key_sizes[0]); a++) {
		for (size_t b = 0; b < sizeof(val_sizes) / sizeof(val_sizes[0]);
		     b++) {
			size_t ks = key_sizes[a], vs = val_sizes[b];
			struct fixmap *m = fixmap__new(N, ks, vs);
			uint8_t key[48], *v;
			bool added;

			ASSERT_TRUE(m);
			/* keys differing in their last byte only */
			memset(key, 0x5a, sizeof(key));
			/* slots written and freed */
			for (int k = 0; k < N; k++) {
				key[ks - 1] = 100 + k;
				v = fixmap__put(m, key, NULL);
				ASSERT_TRUE(v);
				memset(v, 0xff, vs);
				fixmap__del_value(m, v);
			}
			for (int k = 0; k < 2 * N; k++) {
				key[ks - 1] = k;
				v = fixmap__put(m, key, &added);
				ASSERT_TRUE(v && added);
				for (size_t i = 0; i < vs; i++)
					ASSERT_EQ(v[i], 0);
				memset(v, 0xff, vs);
			}
			/* the N put last */
			ASSERT_EQ(fixmap__count(m), N);
			ASSERT_EQ(fixmap__evicted(m), N);
			for (int k = 0; k < 2 * N; k++) {
				key[ks - 1] = k;
				v = fixmap__get(m, key);
				ASSERT_EQ(v != NULL, k >= N);
				if (v)
					ASSERT_EQ(v[vs - 1], 0xff);
			}
			fixmap__free(m);
		}
	}
}

/* Random puts and deletes against an array model: deletion's back shift
 * must never lose or duplicate a key. */
TEST(fixmap_random_model)
{
	enum { KEYS = 64, MAX = 1000 };
	struct fixmap *m = fixmap__new(MAX, sizeof(uint32_t), sizeof(uint32_t));
	uint32_t model[KEYS] = {0}; /* 0: absent, else value */
	unsigned int seed = 1;

	for (int i = 0; i < 20000; i++) {
		uint32_t k = rand_r(&seed) % KEYS, *v;

		if (rand_r(&seed) % 3 == 0) {
			fixmap__del(m, &k);
			model[k] = 0;
		} else {
			v = fixmap__put(m, &k, NULL);
			ASSERT_TRUE(v);
			*v = i + 1;
			model[k] = i + 1;
		}
		if (i % 97 == 0) {
			size_t n = 0;

			for (uint32_t j = 0; j < KEYS; j++) {
				v = fixmap__get(m, &j);
				ASSERT_EQ(v ? *v : 0, model[j]);
				n += model[j] != 0;
			}
			ASSERT_EQ(fixmap__count(m), n);
		}
	}
	ASSERT_EQ(fixmap__evicted(m), 0);
	fixmap__free(m);
}

/*
 * The same with keys hashed by a prefix: runs of keys sharing it overlap
 * other runs, and deletion must shift back by the prefix's home slot.
 */
TEST(fixmap_prefix_random_model)
{
	enum { GROUPS = 6, PER = 12, MAX = 80 };
	struct key {
		uint64_t group, index;
	};
	struct fixmap *m = fixmap__new(MAX, sizeof(struct key), sizeof(uint32_t));
	uint32_t model[GROUPS][PER] = {{0}};
	unsigned int seed = 7;

	ASSERT_TRUE(m);
	fixmap__hash_prefix(m, sizeof(uint64_t));
	for (int i = 0; i < 20000; i++) {
		struct key k = {rand_r(&seed) % GROUPS, rand_r(&seed) % PER};
		uint32_t *v;

		if (rand_r(&seed) % 3 == 0) {
			fixmap__del(m, &k);
			model[k.group][k.index] = 0;
		} else {
			v = fixmap__put(m, &k, NULL);
			ASSERT_TRUE(v);
			*v = i + 1;
			model[k.group][k.index] = i + 1;
		}
		if (i % 89 == 0) {
			size_t n = 0;

			for (uint64_t g = 0; g < GROUPS; g++) {
				for (uint64_t j = 0; j < PER; j++) {
					struct key q = {g, j};

					v = fixmap__get(m, &q);
					ASSERT_EQ(v ? *v : 0, model[g][j]);
					n += model[g][j] != 0;
				}
			}
			ASSERT_EQ(fixmap__count(m), n);
		}
	}
	ASSERT_EQ(fixmap__evicted(m), 0);
	fixmap__free(m);
}

/*
 * The _h calls with a key's fixmap__hash are the plain calls: mixed at
 * random with them against a model, prefix-hashed keys (whose hashes
 * repeat) included.
 */
TEST(fixmap_hash_calls_random_model)
{
	enum { GROUPS = 5, PER = 10, MAX = 64 };
	struct key {
		uint64_t group, index;
	};
	struct fixmap *m =
		fixmap__new(MAX, sizeof(struct key), sizeof(uint32_t));
	uint32_t model[GROUPS][PER] = {{0}};
	unsigned int seed = 11;
	bool added;

	ASSERT_TRUE(m);
	fixmap__hash_prefix(m, sizeof(uint64_t));
	for (int i = 0; i < 20000; i++) {
		struct key k = {rand_r(&seed) % GROUPS, rand_r(&seed) % PER};
		uint64_t h = fixmap__hash(m, &k);
		bool by_hash = rand_r(&seed) % 2;
		uint32_t *v;

		switch (rand_r(&seed) % 3) {
		case 0:
			v = by_hash ? fixmap__get_h(m, &k, h)
				    : fixmap__get(m, &k);
			if (v)
				fixmap__del_value(m, v);
			model[k.group][k.index] = 0;
			break;
		default:
			v = by_hash ? fixmap__put_h(m, &k, h, &added)
				    : fixmap__put(m, &k, &added);
			ASSERT_TRUE(v);
			ASSERT_EQ(added, !model[k.group][k.index]);
			*v = i + 1;
			model[k.group][k.index] = i + 1;
		}
		if (i % 83 == 0) {
			for (uint64_t g = 0; g < GROUPS; g++) {
				for (uint64_t j = 0; j < PER; j++) {
					struct key q = {g, j};

					v = fixmap__get_h(m, &q,
							  fixmap__hash(m, &q));
					ASSERT_EQ(v ? *v : 0, model[g][j]);
					v = fixmap__get(m, &q);
					ASSERT_EQ(v ? *v : 0, model[g][j]);
				}
			}
		}
	}
	fixmap__free(m);
}

/* Maps hashing as many bytes of a key give it one hash (see fixmap.h). */
TEST(fixmap_hash_same_prefix_same_hash)
{
	struct fixmap *a = fixmap__new(8, 16, 8), *b = fixmap__new(100, 24, 1);
	uint8_t key[24] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

	ASSERT_TRUE(a && b);
	fixmap__hash_prefix(b, 16);
	ASSERT_EQ(fixmap__hash(a, key), fixmap__hash(b, key));
	key[20] = 1; /* beyond what b hashes */
	ASSERT_EQ(fixmap__hash(a, key), fixmap__hash(b, key));
	key[15] = 1;
	ASSERT_EQ(fixmap__hash(a, key), fixmap__hash(b, key));
	fixmap__free(a);
	fixmap__free(b);
}

/* A put by hash into a full map evicts the oldest, as a plain put does. */
TEST(fixmap_put_h_full_evicts_oldest)
{
	struct fixmap *m = fixmap__new(4, sizeof(uint64_t), sizeof(uint64_t));

	for (uint64_t k = 1; k <= 6; k++)
		*(uint64_t *)fixmap__put_h(m, &k, fixmap__hash(m, &k), NULL) =
			k * 10;
	ASSERT_EQ(fixmap__count(m), 4);
	ASSERT_EQ(fixmap__evicted(m), 2);
	for (uint64_t k = 1; k <= 6; k++) {
		uint64_t *v = fixmap__get_h(m, &k, fixmap__hash(m, &k));

		ASSERT_EQ(v != NULL, k > 2);
		if (v)
			ASSERT_EQ(*v, k * 10);
	}
	fixmap__free(m);
}

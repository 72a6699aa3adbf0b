// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"

#define ARENA_ALIGN alignof(max_align_t)

struct arena_chunk {
	struct arena_chunk *next;
	size_t size;
	size_t used;
	alignas(max_align_t) unsigned char data[];
};

void arena__init(struct arena *a, size_t chunk_size)
{
	memset(a, 0, sizeof(*a));
	a->chunk_size = chunk_size < 1024 ? 1024 : chunk_size;
}

static struct arena_chunk *chunk_new(size_t size)
{
	struct arena_chunk *c = malloc(sizeof(*c) + size);

	if (!c)
		return NULL;
	c->next = NULL;
	c->size = size;
	c->used = 0;
	return c;
}

void *arena__alloc(struct arena *a, size_t size)
{
	struct arena_chunk *c = a->head;
	size_t need;
	void *p;

	if (size > SIZE_MAX - ARENA_ALIGN)
		return NULL;
	need = (size + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
	if (!need)
		need = ARENA_ALIGN;
	if (!c || c->size - c->used < need) {
		if (need > a->chunk_size) {
			/* an oversized chunk goes behind the head, which keeps
			 * its free space */
			c = chunk_new(need);
			if (!c)
				return NULL;
			if (a->head) {
				c->next = a->head->next;
				a->head->next = c;
			} else {
				a->head = c;
			}
			c->used = need;
			a->used += size;
			return c->data;
		}
		if (a->spare) {
			c = a->spare;
			a->spare = c->next;
			c->used = 0;
		} else {
			c = chunk_new(a->chunk_size);
			if (!c)
				return NULL;
		}
		c->next = a->head;
		a->head = c;
	}
	p = c->data + c->used;
	c->used += need;
	a->used += size;
	return p;
}

void *arena__zalloc(struct arena *a, size_t size)
{
	void *p = arena__alloc(a, size);

	if (p)
		memset(p, 0, size);
	return p;
}

char *arena__strndup(struct arena *a, const char *s, size_t len)
{
	char *p;

	if (len == SIZE_MAX)
		return NULL;
	p = arena__alloc(a, len + 1);
	if (!p)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

void arena__reset(struct arena *a)
{
	struct arena_chunk *c = a->head, *next;

	/* standard-size chunks are kept, oversized ones go back */
	for (; c; c = next) {
		next = c->next;
		if (c->size == a->chunk_size) {
			c->next = a->spare;
			a->spare = c;
		} else {
			free(c);
		}
	}
	a->head = NULL;
	a->used = 0;
}

void arena__free(struct arena *a)
{
	struct arena_chunk *c, *next;

	if (!a)
		return;
	arena__reset(a);
	for (c = a->spare; c; c = next) {
		next = c->next;
		free(c);
	}
	a->spare = NULL;
}

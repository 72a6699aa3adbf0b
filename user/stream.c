// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Byte stream with positions, see stream.h.
 *
 * Layout: segs[] are sorted by position and never overlap. Their captured
 * bytes sit in buf in the same order, so the captured bytes of two
 * contiguous, fully captured segments are also contiguous in buf and a view
 * can span both. Segments wholly before the head are released as the head
 * moves; the first remaining one may start before the head (its pos is kept
 * so stream__at_seg_start stays exact).
 *
 * Space is reclaimed lazily: consuming never moves bytes, it only makes a
 * prefix of buf dead. A push compacts (one memmove of the live bytes) only
 * when the dead prefix is at least half the buffer, otherwise it grows the
 * buffer, so each byte is moved O(1) times on average. When the stream is
 * fully consumed the buffer is simply emptied.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "stream.h"

/* What buf starts at: a request's or a response's head fits */
#define STREAM_INIT_CAP 1024u
/* Keeps 3 * max_bytes, the most buf grows to, inside uint32_t. */
#define STREAM_MAX_BYTES_LIMIT (256u * 1024 * 1024)

static uint64_t seg_end(const struct stream_seg *g)
{
	return g->pos + g->len;
}

int stream__init(struct stream *s, uint32_t max_bytes)
{
	memset(s, 0, sizeof(*s));
	if (!max_bytes)
		max_bytes = STREAM_DEFAULT_MAX_BYTES;
	if (max_bytes > STREAM_MAX_BYTES_LIMIT)
		max_bytes = STREAM_MAX_BYTES_LIMIT;
	s->max_bytes = max_bytes;
	s->segs = s->segs_inline;
	s->segs_cap = STREAM_INLINE_SEGS;
	return 0;
}

void stream__free(struct stream *s)
{
	free(s->buf);
	if (s->segs != s->segs_inline)
		free(s->segs);
	s->buf = NULL;
	s->segs = s->segs_inline;
	s->buf_cap = 0;
	s->buf_len = 0;
	s->nsegs = 0;
	s->segs_cap = STREAM_INLINE_SEGS;
}

void stream__reset(struct stream *s, uint64_t pos)
{
	s->head = pos;
	s->end = pos;
	s->buf_len = 0;
	s->nsegs = 0;
	memset(&s->stats, 0, sizeof(s->stats));
}

/* Captured bytes of g at or after position from. */
static uint32_t seg_cap_from(const struct stream_seg *g, uint64_t from)
{
	uint64_t skip;

	if (from <= g->pos)
		return g->cap_len;
	skip = from - g->pos;
	return skip >= g->cap_len ? 0 : g->cap_len - (uint32_t)skip;
}

/* Captured bytes the parser can still see, what max_bytes bounds. */
static uint64_t stream_held(const struct stream *s)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < s->nsegs; i++)
		n += seg_cap_from(&s->segs[i], s->head);
	return n;
}

/* Drop segments wholly before the head; empty buf when none is left. */
static void stream_release(struct stream *s)
{
	uint32_t k = 0;

	while (k < s->nsegs && seg_end(&s->segs[k]) <= s->head)
		k++;
	if (!k)
		return;
	s->nsegs -= k;
	/* usually all are gone: a message read whole, no memmove call */
	if (!s->nsegs) {
		s->buf_len = 0;
		return;
	}
	memmove(s->segs, s->segs + k, s->nsegs * sizeof(s->segs[0]));
}

/*
 * Make room for n more bytes at the end of buf. Returns false when memory
 * cannot be had; the caller then stores nothing (a hole).
 */
static bool stream_reserve(struct stream *s, uint32_t n)
{
	uint32_t dead, i;
	size_t want, cap, limit;
	uint8_t *nb;

	if (!n || s->buf_len + (size_t)n <= s->buf_cap)
		return true;

	/*
	 * Bytes before the first segment are dead. Those of the first segment
	 * before the head are too, but its buf_off must stay valid for its
	 * pos, so they go when the segment is released.
	 */
	dead = s->nsegs ? s->segs[0].buf_off : s->buf_len;
	limit = 3 * (size_t)s->max_bytes;
	/*
	 * Moving the live bytes pays off when it frees at least as much as it
	 * moves, or when the buffer is at its bound anyway.
	 */
	if (dead && (dead >= s->buf_len / 2 || s->buf_cap >= limit)) {
		memmove(s->buf, s->buf + dead, s->buf_len - dead);
		s->buf_len -= dead;
		for (i = 0; i < s->nsegs; i++)
			s->segs[i].buf_off -= dead;
		if (s->buf_len + (size_t)n <= s->buf_cap)
			return true;
	}

	/*
	 * held <= max_bytes, the first segment's bytes before the head are at
	 * most max_bytes, and n too: 3 * max_bytes is enough but for bytes
	 * orphaned by a lossy merge, which only ever go to the dead prefix.
	 */
	want = s->buf_len + (size_t)n;
	cap = (size_t)s->buf_cap * 2;
	if (cap < STREAM_INIT_CAP)
		cap = STREAM_INIT_CAP;
	if (cap > limit)
		cap = limit;
	if (cap < want)
		cap = want;
	nb = realloc(s->buf, cap);
	if (!nb)
		return false;
	s->buf = nb;
	s->buf_cap = (uint32_t)cap;
	return true;
}

/*
 * Room for one more segment: segs[] doubled, up to STREAM_MAX_SEGS. false
 * at the bound or when memory cannot be had: the caller merges two (there
 * are at least STREAM_INLINE_SEGS).
 */
static bool stream_grow_segs(struct stream *s)
{
	uint32_t cap = s->segs_cap * 2;
	bool own = s->segs == s->segs_inline;
	struct stream_seg *n;

	if (s->segs_cap >= STREAM_MAX_SEGS)
		return false;
	if (cap > STREAM_MAX_SEGS)
		cap = STREAM_MAX_SEGS;
	n = reallocarray(own ? NULL : s->segs, cap, sizeof(*n));
	if (!n)
		return false;
	if (own)
		memcpy(n, s->segs_inline, s->nsegs * sizeof(*n));
	s->segs = n;
	s->segs_cap = cap;
	return true;
}

/*
 * Can b be folded into a without losing captured bytes? Only if the
 * result still has its captured bytes leading: a fully captured and
 * directly followed by b, or b without captured bytes at all.
 */
static bool seg_merge_lossless(const struct stream_seg *a,
			       const struct stream_seg *b)
{
	if (!b->cap_len)
		return true;
	return a->cap_len == a->len && b->pos == seg_end(a);
}

/*
 * Free one slot in segs[] by folding two neighbours into one record. The
 * record takes the earlier segment's ts/tid: the time of the first bytes
 * of a message is what spans need most, and the newest segments (where a
 * message's last byte usually is) are left alone. We prefer the oldest
 * pair that loses no captured bytes; if every pair would lose some (a run
 * of holes only), the later segment's bytes become a hole and are counted
 * as overflow_bytes.
 */
static void stream_merge_oldest(struct stream *s)
{
	struct stream_seg *a, *b;
	uint32_t i;

	for (i = 0; i + 1 < s->nsegs; i++)
		if (seg_merge_lossless(&s->segs[i], &s->segs[i + 1]))
			break;
	if (i + 1 >= s->nsegs)
		i = 0;
	a = &s->segs[i];
	b = &s->segs[i + 1];
	if (seg_merge_lossless(a, b))
		a->cap_len += b->cap_len;
	else
		s->stats.overflow_bytes += b->cap_len;
	a->len = seg_end(b) - a->pos;
	s->nsegs--;
	memmove(b, b + 1, (s->nsegs - i - 1) * sizeof(*b));
}

int stream__push(struct stream *s, uint64_t pos, const uint8_t *data,
		 uint32_t cap_len, uint64_t len, uint64_t ts, uint32_t tid)
{
	struct stream_seg *g;
	uint64_t held, room;
	uint32_t keep;

	if (cap_len > len || pos + len < pos)
		return -EINVAL;
	if (!len)
		return 0;

	if (pos + len <= s->end) {
		s->stats.overlaps++;
		return 0;
	}
	if (pos < s->end) {
		uint64_t skip = s->end - pos;
		uint32_t cskip = skip < cap_len ? (uint32_t)skip : cap_len;

		s->stats.overlaps++;
		data += cskip;
		cap_len -= cskip;
		pos = s->end;
		len -= skip;
	} else if (pos > s->end) {
		s->stats.gaps++;
		s->stats.gap_bytes += pos - s->end;
	}

	held = stream_held(s);
	room = held < s->max_bytes ? s->max_bytes - held : 0;
	keep = cap_len < room ? cap_len : (uint32_t)room;
	if (!stream_reserve(s, keep))
		keep = 0;
	if (s->nsegs == s->segs_cap && !stream_grow_segs(s))
		stream_merge_oldest(s);
	s->stats.overflow_bytes += cap_len - keep;

	g = &s->segs[s->nsegs++];
	memset(g, 0, sizeof(*g));
	g->pos = pos;
	g->len = len;
	g->ts = ts;
	g->tid = tid;
	g->cap_len = keep;
	g->buf_off = s->buf_len;
	if (keep) {
		memcpy(s->buf + s->buf_len, data, keep);
		s->buf_len += keep;
	}
	s->end = pos + len;
	return 0;
}

uint64_t stream__consume(struct stream *s, uint64_t n)
{
	uint64_t avail = s->end - s->head;

	if (n > avail)
		n = avail;
	s->head += n;
	stream_release(s);
	return n;
}

uint64_t stream__next_seg_pos(const struct stream *s)
{
	for (uint32_t i = 0; i < s->nsegs; i++)
		if (s->segs[i].pos > s->head)
			return s->segs[i].pos;
	return s->end;
}

bool stream__skip_to_next_seg(struct stream *s)
{
	uint64_t next = stream__next_seg_pos(s);
	bool found = next < s->end;

	s->head = next;
	stream_release(s);
	return found;
}

bool stream__at_seg_start(const struct stream *s)
{
	for (uint32_t i = 0; i < s->nsegs; i++) {
		if (s->segs[i].pos == s->head)
			return true;
		if (s->segs[i].pos > s->head)
			break;
	}
	return false;
}

/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * One direction of a connection as a byte stream with positions.
 *
 * Data events arrive as segments: a stream position, the number of bytes the
 * syscall moved (len) and the leading part of them that was captured
 * (cap_len <= len). Bytes that were moved but not captured, and positions no
 * event covered (lost events), are holes. The stream keeps only captured
 * bytes, and only from the parser's head onwards, so a body the parser skips
 * by length is never stored.
 *
 * Parsers read the contiguous captured run at the head (stream__view), then
 * consume what they framed (stream__consume), which may run over holes.
 */
#ifndef __SPANTAP_STREAM_H
#define __SPANTAP_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Default bound on captured bytes held per direction. */
#define STREAM_DEFAULT_MAX_BYTES (64 * 1024)
/*
 * Segments (events) remembered for timing. Beyond this, the oldest two that
 * can be joined without losing captured bytes become one segment with the
 * earlier one's time, so the first bytes of a message keep theirs.
 */
#define STREAM_MAX_SEGS 64
/* Segments a stream holds before it takes memory for them */
#define STREAM_INLINE_SEGS 4

struct stream_seg {
	uint64_t pos; /* first position */
	uint64_t len; /* positions covered, captured or not */
	uint64_t ts; /* CLOCK_MONOTONIC ns of the event */
	uint32_t tid;
	uint32_t cap_len; /* leading bytes of this segment held in buf */
	uint32_t buf_off; /* where they start in buf */
	uint32_t _pad;
};

struct stream_stats {
	uint64_t gaps; /* times positions were skipped (lost events) */
	uint64_t gap_bytes;
	uint64_t overlaps; /* segments (partly) before the end, dropped */
	uint64_t overflow_bytes; /* captured bytes not kept: a bound hit */
};

struct stream {
	uint64_t head; /* next position the parser has not consumed */
	uint64_t end; /* one past the last position any segment covered */
	/*
	 * Small until more is needed: most connections hold a segment or
	 * two of a few hundred bytes, and under short connections thousands
	 * of closed ones wait out their grace at once. buf is taken at the
	 * first push; segs is first the stream's own few (a stream is
	 * never moved once initialised), then an array of its own.
	 */
	uint8_t *buf; /* captured bytes of segs[], in order */
	struct stream_seg *segs;
	uint32_t buf_len;
	uint32_t buf_cap;
	uint32_t max_bytes;
	uint32_t nsegs;
	uint32_t segs_cap; /* at most STREAM_MAX_SEGS */
	struct stream_stats stats;
	struct stream_seg segs_inline[STREAM_INLINE_SEGS];
};

/* A read-only window on captured bytes starting at the head. */
struct byte_view {
	const uint8_t *data;
	size_t len;
	/*
	 * True when the bytes right after the view are a hole (not captured
	 * or lost): waiting will never make this view longer.
	 */
	bool hole_after;
};

/* Returns 0 (no memory is taken yet). max_bytes 0: STREAM_DEFAULT_MAX_BYTES. */
int stream__init(struct stream *s, uint32_t max_bytes);
/* Frees the buffer; safe on a zeroed or already-freed stream. */
void stream__free(struct stream *s);
/*
 * Forget everything, stats included, and restart at position pos (keeps
 * the buffer).
 */
void stream__reset(struct stream *s, uint64_t pos);

/*
 * Add a segment. Positions before s->end are dropped (counted as overlap);
 * a position after s->end leaves a hole (counted as a gap). Captured bytes
 * beyond max_bytes held from the head are not stored: they become a hole
 * (counted in overflow_bytes). Returns 0, or -EINVAL when cap_len > len or
 * pos + len overflows.
 */
int stream__push(struct stream *s, uint64_t pos, const uint8_t *data,
		 uint32_t cap_len, uint64_t len, uint64_t ts, uint32_t tid);

/*
 * The contiguous captured bytes from the head (possibly empty). The view
 * points into s->buf: it is valid until the stream is next changed.
 *
 * Inline, as is stream__ts_at: parsers call both for every message, and
 * a stream holds a segment or two, so the call was most of their cost.
 */
static inline struct byte_view stream__view(const struct stream *s)
{
	struct byte_view v = {.data = NULL, .len = 0, .hole_after = false};
	const struct stream_seg *g = s->segs, *last = s->segs + s->nsegs;
	uint64_t off;

	if (s->head >= s->end)
		return v;
	/* the segment holding the head; none when it is in a gap */
	while (g < last && s->head >= g->pos + g->len)
		g++;
	if (g == last || s->head < g->pos) {
		v.hole_after = true;
		return v;
	}
	off = s->head - g->pos;
	if (off >= g->cap_len) {
		v.hole_after = true;
		return v;
	}
	v.data = s->buf + g->buf_off + off;
	v.len = g->cap_len - off;
	for (;;) {
		if (g->cap_len < g->len) {
			v.hole_after = true;
			break;
		}
		if (g + 1 >= last)
			break; /* the last segment ends at s->end */
		if (g[1].pos != g->pos + g->len) {
			v.hole_after = true;
			break;
		}
		g++;
		v.len += g->cap_len;
	}
	return v;
}

/*
 * Advance the head by n positions, captured or not. n may not pass s->end:
 * callers that frame a body longer than what has arrived consume what is
 * there and come back. Returns the positions actually consumed.
 */
uint64_t stream__consume(struct stream *s, uint64_t n);

/*
 * Move the head to the start of the next segment after the head, dropping
 * the rest of the current one: the way back to a message boundary after
 * garbage or a hole. Returns false when no later segment has arrived (the
 * head then moves to s->end).
 */
bool stream__skip_to_next_seg(struct stream *s);

/* First position of the next segment after the head, or s->end if none. */
uint64_t stream__next_seg_pos(const struct stream *s);

/*
 * Timestamp and thread of the segment holding position pos, for pos in
 * [head, end). A position no event covered (lost) gets those of the segment
 * after it, the earliest we know it had been moved by. Returns false when
 * pos is outside.
 */
static inline bool stream__ts_at(const struct stream *s, uint64_t pos,
				 uint64_t *ret_ts, uint32_t *ret_tid)
{
	if (pos < s->head || pos >= s->end)
		return false;
	for (uint32_t i = 0; i < s->nsegs; i++) {
		const struct stream_seg *g = &s->segs[i];

		if (pos < g->pos + g->len) {
			if (ret_ts)
				*ret_ts = g->ts;
			if (ret_tid)
				*ret_tid = g->tid;
			return true;
		}
	}
	return false;
}

/* True when the head is the first position of a segment. */
bool stream__at_seg_start(const struct stream *s);

#endif /* __SPANTAP_STREAM_H */

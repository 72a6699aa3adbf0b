// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Tests of user/stream.c: positions, holes, overlaps, bounds, timing. */
#include <errno.h>
#include <stdlib.h>

#include "stream.h"
#include "test.h"

static int push_str(struct stream *s, uint64_t pos, const char *str,
		    uint64_t ts)
{
	size_t n = strlen(str);

	return stream__push(s, pos, (const uint8_t *)str, (uint32_t)n, n, ts,
			    (uint32_t)ts);
}

/* The view as a string, for comparisons. */
static const char *view_str(const struct stream *s, bool *hole_after)
{
	static char out[1024];
	struct byte_view v = stream__view(s);
	size_t n = v.len < sizeof(out) - 1 ? v.len : sizeof(out) - 1;

	if (n)
		memcpy(out, v.data, n);
	out[n] = '\0';
	if (hole_after)
		*hole_after = v.hole_after;
	return out;
}

static uint64_t ts_of(const struct stream *s, uint64_t pos)
{
	uint64_t ts = 0;

	if (!stream__ts_at(s, pos, &ts, NULL))
		return UINT64_MAX;
	return ts;
}

TEST(stream_contiguous)
{
	struct stream s;
	bool hole;

	ASSERT_EQ(stream__init(&s, 0), 0);
	ASSERT_EQ(s.max_bytes, STREAM_DEFAULT_MAX_BYTES);
	ASSERT_STREQ(view_str(&s, &hole), "");
	ASSERT_TRUE(!hole);
	ASSERT_TRUE(!stream__at_seg_start(&s));

	ASSERT_EQ(push_str(&s, 0, "hello", 10), 0);
	ASSERT_EQ(push_str(&s, 5, " world", 20), 0);
	ASSERT_EQ(s.end, 11);
	ASSERT_STREQ(view_str(&s, &hole), "hello world");
	ASSERT_TRUE(!hole);
	ASSERT_TRUE(stream__at_seg_start(&s));
	ASSERT_EQ(ts_of(&s, 0), 10);
	ASSERT_EQ(ts_of(&s, 4), 10);
	ASSERT_EQ(ts_of(&s, 5), 20);
	ASSERT_EQ(ts_of(&s, 10), 20);
	ASSERT_EQ(ts_of(&s, 11), UINT64_MAX);

	ASSERT_EQ(stream__consume(&s, 3), 3);
	ASSERT_EQ(s.head, 3);
	ASSERT_STREQ(view_str(&s, &hole), "lo world");
	ASSERT_TRUE(!stream__at_seg_start(&s));
	ASSERT_EQ(ts_of(&s, 2), UINT64_MAX); /* consumed */
	ASSERT_EQ(ts_of(&s, 3), 10);

	ASSERT_EQ(stream__consume(&s, 2), 2);
	ASSERT_TRUE(stream__at_seg_start(&s));
	ASSERT_EQ(s.nsegs, 1); /* "hello" released */
	ASSERT_STREQ(view_str(&s, &hole), " world");

	/* consume never passes the end */
	ASSERT_EQ(stream__consume(&s, 100), 6);
	ASSERT_EQ(s.head, 11);
	ASSERT_EQ(s.nsegs, 0);
	ASSERT_EQ(s.buf_len, 0);
	ASSERT_STREQ(view_str(&s, &hole), "");
	ASSERT_TRUE(!hole);
	ASSERT_EQ(stream__consume(&s, 1), 0);

	ASSERT_EQ(s.stats.gaps + s.stats.overlaps + s.stats.overflow_bytes, 0);
	stream__free(&s);
	stream__free(&s);
}

TEST(stream_push_args)
{
	struct stream s;
	uint8_t b[4] = "abc";

	ASSERT_EQ(stream__init(&s, 0), 0);
	ASSERT_EQ(stream__push(&s, 0, b, 4, 3, 1, 1), -EINVAL);
	ASSERT_EQ(stream__push(&s, UINT64_MAX - 1, b, 3, 3, 1, 1), -EINVAL);
	ASSERT_EQ(s.end, 0);
	/* an empty segment changes nothing, not even as a gap */
	ASSERT_EQ(stream__push(&s, 100, b, 0, 0, 1, 1), 0);
	ASSERT_EQ(s.end, 0);
	ASSERT_EQ(s.stats.gaps, 0);
	ASSERT_EQ(s.nsegs, 0);
	stream__free(&s);
}

TEST(stream_gap)
{
	struct stream s;
	bool hole;

	ASSERT_EQ(stream__init(&s, 0), 0);
	ASSERT_EQ(push_str(&s, 0, "abcde", 1), 0);
	ASSERT_EQ(push_str(&s, 10, "vwxyz", 2), 0);
	ASSERT_EQ(s.stats.gaps, 1);
	ASSERT_EQ(s.stats.gap_bytes, 5);
	ASSERT_EQ(s.end, 15);
	ASSERT_STREQ(view_str(&s, &hole), "abcde");
	ASSERT_TRUE(hole);
	/* a lost position takes the time of the segment after it */
	ASSERT_EQ(ts_of(&s, 7), 2);

	ASSERT_EQ(stream__consume(&s, 7), 7);
	ASSERT_STREQ(view_str(&s, &hole), "");
	ASSERT_TRUE(hole);
	ASSERT_TRUE(!stream__at_seg_start(&s));
	ASSERT_EQ(stream__consume(&s, 3), 3);
	ASSERT_TRUE(stream__at_seg_start(&s));
	ASSERT_STREQ(view_str(&s, &hole), "vwxyz");
	ASSERT_TRUE(!hole);

	/* a gap right at the head, more data later */
	ASSERT_EQ(stream__consume(&s, 5), 5);
	ASSERT_EQ(push_str(&s, 20, "later", 3), 0);
	ASSERT_EQ(s.stats.gaps, 2);
	ASSERT_EQ(s.stats.gap_bytes, 10);
	ASSERT_STREQ(view_str(&s, &hole), "");
	ASSERT_TRUE(hole);
	ASSERT_TRUE(stream__skip_to_next_seg(&s));
	ASSERT_EQ(s.head, 20);
	ASSERT_STREQ(view_str(&s, &hole), "later");
	stream__free(&s);
}

TEST(stream_overlap)
{
	struct stream s;
	bool hole;

	ASSERT_EQ(stream__init(&s, 0), 0);
	ASSERT_EQ(push_str(&s, 0, "hello", 1), 0);
	ASSERT_EQ(push_str(&s, 0, "HEL", 2), 0);
	ASSERT_EQ(s.stats.overlaps, 1);
	ASSERT_EQ(push_str(&s, 2, "LLO", 3), 0); /* ends exactly at end */
	ASSERT_EQ(s.stats.overlaps, 2);
	ASSERT_STREQ(view_str(&s, &hole), "hello");
	ASSERT_EQ(s.nsegs, 1);

	/* partial: only what lies past the end is kept */
	ASSERT_EQ(push_str(&s, 3, "LOxyz", 4), 0);
	ASSERT_EQ(s.stats.overlaps, 3);
	ASSERT_EQ(s.end, 8);
	ASSERT_STREQ(view_str(&s, &hole), "helloxyz");
	ASSERT_TRUE(!hole);
	ASSERT_EQ(ts_of(&s, 4), 1);
	ASSERT_EQ(ts_of(&s, 5), 4);
	ASSERT_EQ(s.stats.gaps, 0);

	/* partial overlap whose captured part is all before the end */
	ASSERT_EQ(stream__push(&s, 6, (const uint8_t *)"YZ", 2, 6, 5, 5), 0);
	ASSERT_EQ(s.stats.overlaps, 4);
	ASSERT_EQ(s.end, 12);
	ASSERT_STREQ(view_str(&s, &hole), "helloxyz");
	ASSERT_TRUE(hole);
	ASSERT_EQ(ts_of(&s, 11), 5);
	stream__free(&s);
}

TEST(stream_truncated_segments)
{
	struct stream s;
	bool hole;

	ASSERT_EQ(stream__init(&s, 0), 0);
	/* 10 positions moved, 4 captured */
	ASSERT_EQ(stream__push(&s, 0, (const uint8_t *)"HTTP", 4, 10, 7, 70),
		  0);
	ASSERT_EQ(s.end, 10);
	ASSERT_STREQ(view_str(&s, &hole), "HTTP");
	ASSERT_TRUE(hole);
	ASSERT_EQ(push_str(&s, 10, "next", 8), 0);
	ASSERT_STREQ(view_str(&s, &hole), "HTTP"); /* no bridging a hole */
	ASSERT_TRUE(hole);
	ASSERT_EQ(s.stats.gaps, 0);

	ASSERT_EQ(stream__consume(&s, 4), 4);
	ASSERT_STREQ(view_str(&s, &hole), "");
	ASSERT_TRUE(hole);
	ASSERT_EQ(ts_of(&s, 9), 7);
	/* consume runs over the uncaptured part into the next segment */
	ASSERT_EQ(stream__consume(&s, 8), 8);
	ASSERT_EQ(s.head, 12);
	ASSERT_EQ(s.nsegs, 1);
	ASSERT_STREQ(view_str(&s, &hole), "xt");
	ASSERT_TRUE(!hole);

	/* nothing captured at all */
	ASSERT_EQ(stream__push(&s, 14, NULL, 0, 6, 9, 90), 0);
	ASSERT_STREQ(view_str(&s, &hole), "xt");
	ASSERT_TRUE(hole);
	ASSERT_EQ(s.end, 20);
	stream__free(&s);
}

TEST(stream_skip_to_next_seg)
{
	struct stream s;
	bool hole;

	ASSERT_EQ(stream__init(&s, 0), 0);
	ASSERT_EQ(stream__push(&s, 0, (const uint8_t *)"ab", 2, 10, 1, 1), 0);
	ASSERT_EQ(push_str(&s, 10, "cdefg", 2), 0);
	ASSERT_EQ(push_str(&s, 20, "hijkl", 3), 0);

	ASSERT_EQ(stream__consume(&s, 1), 1);
	ASSERT_TRUE(stream__skip_to_next_seg(&s));
	ASSERT_EQ(s.head, 10);
	ASSERT_TRUE(stream__at_seg_start(&s));
	ASSERT_STREQ(view_str(&s, &hole), "cdefg");
	ASSERT_TRUE(hole);
	/* from a segment start, the next one is the one after */
	ASSERT_TRUE(stream__skip_to_next_seg(&s));
	ASSERT_EQ(s.head, 20);
	ASSERT_EQ(s.nsegs, 1);
	ASSERT_STREQ(view_str(&s, &hole), "hijkl");
	ASSERT_TRUE(!hole);
	ASSERT_TRUE(!stream__skip_to_next_seg(&s));
	ASSERT_EQ(s.head, 25);
	ASSERT_EQ(s.nsegs, 0);
	ASSERT_TRUE(!stream__skip_to_next_seg(&s));
	ASSERT_EQ(s.head, 25);
	stream__free(&s);
}

TEST(stream_ts_at)
{
	struct stream s;
	uint64_t ts = 0;
	uint32_t tid = 0;

	ASSERT_EQ(stream__init(&s, 0), 0);
	ASSERT_TRUE(!stream__ts_at(&s, 0, &ts, &tid));
	stream__reset(&s, 100);
	ASSERT_EQ(stream__push(&s, 100, (const uint8_t *)"abc", 3, 3, 1000,
			       11), 0);
	ASSERT_EQ(stream__push(&s, 103, (const uint8_t *)"d", 1, 4, 2000, 22),
		  0);
	ASSERT_EQ(stream__push(&s, 110, (const uint8_t *)"e", 1, 1, 3000, 33),
		  0);
	ASSERT_TRUE(!stream__ts_at(&s, 99, &ts, &tid));
	ASSERT_TRUE(stream__ts_at(&s, 100, &ts, &tid));
	ASSERT_EQ(ts, 1000);
	ASSERT_EQ(tid, 11);
	ASSERT_TRUE(stream__ts_at(&s, 106, &ts, &tid)); /* uncaptured */
	ASSERT_EQ(ts, 2000);
	ASSERT_EQ(tid, 22);
	ASSERT_TRUE(stream__ts_at(&s, 108, &ts, &tid)); /* lost */
	ASSERT_EQ(ts, 3000);
	ASSERT_EQ(tid, 33);
	ASSERT_TRUE(stream__ts_at(&s, 110, NULL, NULL));
	ASSERT_TRUE(!stream__ts_at(&s, 111, &ts, &tid));
	stream__free(&s);
}

TEST(stream_max_bytes)
{
	struct stream s;
	uint8_t big[40];
	bool hole;

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)('a' + i % 26);

	ASSERT_EQ(stream__init(&s, 16), 0);
	ASSERT_EQ(push_str(&s, 0, "0123456789", 1), 0);
	ASSERT_EQ(push_str(&s, 10, "ABCDEFGHIJ", 2), 0);
	ASSERT_EQ(s.stats.overflow_bytes, 4);
	ASSERT_EQ(s.end, 20);
	ASSERT_STREQ(view_str(&s, &hole), "0123456789ABCDEF");
	ASSERT_TRUE(hole);

	/* consuming makes room again; the cut segment stays cut */
	ASSERT_EQ(stream__consume(&s, 10), 10);
	ASSERT_EQ(push_str(&s, 20, "klmnopqrst", 3), 0);
	ASSERT_EQ(s.stats.overflow_bytes, 4);
	ASSERT_STREQ(view_str(&s, &hole), "ABCDEF");
	ASSERT_TRUE(hole);
	ASSERT_EQ(stream__consume(&s, 10), 10);
	ASSERT_STREQ(view_str(&s, &hole), "klmnopqrst");
	ASSERT_TRUE(!hole);

	/* one segment larger than the bound */
	stream__reset(&s, 0);
	ASSERT_EQ(stream__push(&s, 0, big, sizeof(big), sizeof(big), 1, 1), 0);
	ASSERT_EQ(s.stats.overflow_bytes, sizeof(big) - 16);
	ASSERT_EQ(stream__view(&s).len, 16);
	ASSERT_MEMEQ(stream__view(&s).data, big, 16);
	ASSERT_TRUE(stream__view(&s).hole_after);
	ASSERT_TRUE(s.buf_cap <= 3 * 16 + 4096);
	stream__free(&s);
}

TEST(stream_many_small_segments)
{
	struct stream s;
	uint8_t ref[300];
	struct byte_view v;
	uint64_t ts;

	for (size_t i = 0; i < sizeof(ref); i++)
		ref[i] = (uint8_t)(' ' + i % 90);

	ASSERT_EQ(stream__init(&s, 0), 0);
	for (uint64_t i = 0; i < sizeof(ref); i++)
		ASSERT_EQ(stream__push(&s, i, ref + i, 1, 1, 1000 + i,
				       (uint32_t)i), 0);
	ASSERT_TRUE(s.nsegs <= STREAM_MAX_SEGS);
	ASSERT_EQ(s.stats.overflow_bytes, 0);
	v = stream__view(&s);
	ASSERT_EQ(v.len, sizeof(ref));
	ASSERT_MEMEQ(v.data, ref, sizeof(ref));
	ASSERT_TRUE(!v.hole_after);
	/* the first and the newest bytes keep their own time */
	ASSERT_EQ(ts_of(&s, 0), 1000);
	for (uint64_t i = sizeof(ref) - STREAM_MAX_SEGS / 2; i < sizeof(ref);
	     i++)
		ASSERT_EQ(ts_of(&s, i), 1000 + i);
	/* merged ones are never later than their bytes were */
	for (uint64_t i = 0; i < sizeof(ref); i++) {
		ts = ts_of(&s, i);
		ASSERT_TRUE(ts >= 1000 && ts <= 1000 + i);
	}

	ASSERT_EQ(stream__consume(&s, 100), 100);
	v = stream__view(&s);
	ASSERT_EQ(v.len, sizeof(ref) - 100);
	ASSERT_MEMEQ(v.data, ref + 100, v.len);
	stream__free(&s);
}

/* Segments with holes can't merge losslessly: the head must survive. */
TEST(stream_many_holey_segments)
{
	struct stream s;
	struct byte_view v;
	uint8_t c;

	ASSERT_EQ(stream__init(&s, 0), 0);
	for (uint64_t i = 0; i < 200; i++) {
		c = (uint8_t)('A' + i % 26);
		ASSERT_EQ(stream__push(&s, 2 * i, &c, 1, 2, i, 0), 0);
	}
	ASSERT_TRUE(s.nsegs <= STREAM_MAX_SEGS);
	ASSERT_EQ(s.end, 400);
	/* the byte at the head is kept, the lost ones are counted */
	v = stream__view(&s);
	ASSERT_EQ(v.len, 1);
	ASSERT_EQ(v.data[0], 'A');
	ASSERT_TRUE(v.hole_after);
	ASSERT_TRUE(s.stats.overflow_bytes > 0);
	ASSERT_EQ(ts_of(&s, 0), 0);
	/* the newest segments are intact */
	ASSERT_EQ(ts_of(&s, 398), 199);
	ASSERT_EQ(stream__consume(&s, 398), 398);
	v = stream__view(&s);
	ASSERT_EQ(v.len, 1);
	ASSERT_EQ(v.data[0], 'A' + 199 % 26);
	stream__free(&s);
}

TEST(stream_reset)
{
	struct stream s;
	bool hole;

	ASSERT_EQ(stream__init(&s, 0), 0);
	ASSERT_EQ(push_str(&s, 0, "abc", 1), 0);
	ASSERT_EQ(push_str(&s, 10, "def", 1), 0);
	ASSERT_EQ(s.stats.gaps, 1);
	stream__reset(&s, 1000);
	ASSERT_EQ(s.head, 1000);
	ASSERT_EQ(s.end, 1000);
	ASSERT_EQ(s.nsegs, 0);
	ASSERT_EQ(s.stats.gaps, 0);
	ASSERT_TRUE(s.buf != NULL);
	ASSERT_STREQ(view_str(&s, &hole), "");
	ASSERT_TRUE(!hole);
	ASSERT_EQ(push_str(&s, 1000, "xyz", 2), 0);
	ASSERT_EQ(s.stats.gaps, 0);
	ASSERT_STREQ(view_str(&s, &hole), "xyz");
	ASSERT_TRUE(stream__at_seg_start(&s));
	stream__free(&s);
}

/*
 * Steady traffic with something always pending: the data stays right and
 * the buffer stays bounded (compaction instead of growth).
 */
TEST(stream_steady_compaction)
{
	struct stream s;
	uint8_t chunk[150];
	struct byte_view v;
	uint64_t pos = 0, keep;

	ASSERT_EQ(stream__init(&s, 1024), 0);
	for (int round = 0; round < 5000; round++) {
		for (size_t i = 0; i < sizeof(chunk); i++)
			chunk[i] = (uint8_t)((pos + i) * 7 + 3);
		ASSERT_EQ(stream__push(&s, pos, chunk, sizeof(chunk),
				       sizeof(chunk), pos, 0), 0);
		pos += sizeof(chunk);
		/* leave a varying tail pending, never all of it consumed */
		keep = 1 + (uint64_t)round % 300;
		if (pos - s.head > keep)
			stream__consume(&s, pos - s.head - keep);
		v = stream__view(&s);
		ASSERT_EQ(v.len, pos - s.head);
		for (size_t i = 0; i < v.len; i++)
			ASSERT_EQ(v.data[i], (uint8_t)((s.head + i) * 7 + 3));
	}
	ASSERT_EQ(s.stats.overflow_bytes, 0);
	ASSERT_TRUE(s.buf_cap <= 3 * 1024);
	stream__free(&s);
}

/*
 * Random pushes (gaps, overlaps, cut captures), consumes and skips against
 * a per-position model. The view must be exactly the captured run at the
 * head; while nothing was merged, timing and skip must match too.
 */
#define MODEL_N 20000

struct model {
	uint8_t byte[MODEL_N];
	bool cap[MODEL_N];
	bool seg_start[MODEL_N];
	uint64_t ts[MODEL_N]; /* 0: not covered */
	uint64_t end, head;
};

static uint64_t rnd(uint64_t *st)
{
	*st ^= *st << 13;
	*st ^= *st >> 7;
	*st ^= *st << 17;
	return *st;
}

static void model_check(const struct model *m, const struct stream *s,
			bool merged)
{
	struct byte_view v = stream__view(s);
	uint64_t p = m->head, ts;

	ASSERT_EQ(s->head, m->head);
	ASSERT_EQ(s->end, m->end);
	while (p < m->end && m->cap[p])
		p++;
	ASSERT_EQ(v.len, p - m->head);
	ASSERT_EQ(v.hole_after, p < m->end);
	if (v.len)
		ASSERT_MEMEQ(v.data, m->byte + m->head, v.len);
	if (merged)
		return;
	ASSERT_EQ(stream__at_seg_start(s), m->head < m->end &&
						   m->seg_start[m->head]);
	for (p = m->head; p < m->end; p++) {
		uint64_t q = p;

		while (!m->ts[q])
			q++;
		ASSERT_TRUE(stream__ts_at(s, p, &ts, NULL));
		ASSERT_EQ(ts, m->ts[q]);
	}
}

TEST(stream_random_model)
{
	static struct model m;
	struct stream s;
	uint64_t st = 0x9e3779b97f4a7c15ull, nts = 1;
	uint8_t data[64];
	bool merged = false;

	memset(&m, 0, sizeof(m));
	ASSERT_EQ(stream__init(&s, 1 << 20), 0);
	for (int op = 0; op < 20000 && m.end < MODEL_N - 200; op++) {
		uint64_t r = rnd(&st) % 100;

		if (r < 55) {
			uint64_t len = 1 + rnd(&st) % 40, pos = m.end;
			uint32_t cap = (uint32_t)len;

			if (rnd(&st) % 8 == 0)
				pos += rnd(&st) % 10;
			else if (rnd(&st) % 8 == 0 && m.end)
				pos -= rnd(&st) % (m.end < 20 ? m.end : 20);
			if (rnd(&st) % 6 == 0)
				cap = (uint32_t)(rnd(&st) % (len + 1));
			for (uint32_t i = 0; i < cap; i++)
				data[i] = (uint8_t)rnd(&st);
			if (pos + len > m.end && s.nsegs == STREAM_MAX_SEGS)
				merged = true;
			ASSERT_EQ(stream__push(&s, pos, data, cap, len, nts, 0),
				  0);
			if (pos + len > m.end) {
				uint64_t from = pos > m.end ? pos : m.end;

				m.seg_start[from] = true;
				for (uint64_t p = from; p < pos + len; p++) {
					m.ts[p] = nts;
					m.cap[p] = p - pos < cap;
					if (m.cap[p])
						m.byte[p] = data[p - pos];
				}
				m.end = pos + len;
			}
			nts++;
		} else if (r < 90) {
			uint64_t n = rnd(&st) % 100;
			uint64_t want = m.end - m.head < n ? m.end - m.head : n;

			ASSERT_EQ(stream__consume(&s, n), want);
			m.head += want;
		} else if (!merged) {
			uint64_t p = m.head + 1;

			while (p < m.end && !m.seg_start[p])
				p++;
			ASSERT_EQ(stream__skip_to_next_seg(&s), p < m.end);
			m.head = p < m.end ? p : m.end;
		}
		model_check(&m, &s, merged);
		if (test__failed()) {
			test__fail(__FILE__, __LINE__, "op %d", op);
			break;
		}
	}
	ASSERT_TRUE(s.stats.overlaps > 0 && s.stats.gaps > 0);
	stream__free(&s);
}

/*
 * Past the few segments a stream holds itself, and past the buffer it
 * starts with: every segment keeps its time and every byte its place.
 */
TEST(stream_grows_past_its_own_segments)
{
	static char big[3000];
	struct stream s;
	char piece[2] = "a";

	ASSERT_EQ(stream__init(&s, 0), 0);
	for (uint64_t i = 0; i < 3 * STREAM_INLINE_SEGS; i++) {
		piece[0] = (char)('a' + i);
		ASSERT_EQ(push_str(&s, i, piece, 100 + i), 0);
	}
	ASSERT_EQ(s.nsegs, 3 * STREAM_INLINE_SEGS);
	for (uint64_t i = 0; i < 3 * STREAM_INLINE_SEGS; i++)
		ASSERT_EQ(ts_of(&s, i), 100 + i);
	ASSERT_STREQ(view_str(&s, NULL), "abcdefghijkl");

	memset(big, 'x', sizeof(big) - 1);
	ASSERT_EQ(push_str(&s, 3 * STREAM_INLINE_SEGS, big, 500), 0);
	ASSERT_EQ(stream__view(&s).len, 3 * STREAM_INLINE_SEGS + strlen(big));
	ASSERT_EQ(ts_of(&s, 3 * STREAM_INLINE_SEGS + 2000), 500);
	ASSERT_EQ(s.stats.overflow_bytes, 0);
	stream__free(&s);
}

// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>

#include "span/span.h"
#include "test.h"
#include "util/utf8.h"

static struct span *new_span(void)
{
	struct span *s = malloc(sizeof(*s));

	if (s) {
		memset(s, 0xa5, sizeof(*s));
		span__reset(s);
	}
	return s;
}

TEST(span_reset_clears)
{
	struct span *s = new_span();

	ASSERT_TRUE(s);
	ASSERT_EQ(s->nattrs, 0);
	ASSERT_EQ(s->strbuf_len, 0);
	ASSERT_EQ(s->dropped_attrs, 0);
	ASSERT_EQ(s->start_ns, 0);
	ASSERT_EQ(s->end_ns, 0);
	ASSERT_EQ(s->name[0], 0);
	ASSERT_EQ(s->service_name[0], 0);
	ASSERT_EQ(s->kind, 0);
	ASSERT_EQ(s->status, 0);
	ASSERT_EQ(s->parent_remote, 0);
	ASSERT_EQ(s->trace_state_len, 0);
	ASSERT_TRUE(!span__trace_state(s, &(size_t){0}));
	ASSERT_TRUE(span__is_root(s));
	free(s);
}

TEST(span_attrs_roundtrip)
{
	struct span *s = new_span();
	const struct span_attr *a;
	const char *v;
	size_t len;

	ASSERT_TRUE(s);
	ASSERT_EQ(span__add_str(s, "http.request.method", "GET", 3), 0);
	ASSERT_EQ(span__add_int(s, "http.response.status_code", 404), 0);
	ASSERT_EQ(span__add_str(s, "url.path", "/a/b?x", 4), 0);
	ASSERT_EQ(span__add_str(s, "empty", "", 0), 0);
	ASSERT_EQ(s->nattrs, 4);

	v = span__attr_str(s, "url.path", &len);
	ASSERT_TRUE(v);
	ASSERT_EQ(len, 4);
	ASSERT_MEMEQ(v, "/a/b", 4);
	v = span__attr_str(s, "empty", &len);
	ASSERT_TRUE(v);
	ASSERT_EQ(len, 0);

	a = span__attr(s, "http.response.status_code");
	ASSERT_TRUE(a);
	ASSERT_EQ(a->type, SPAN_ATTR_INT);
	ASSERT_EQ(a->i, 404);
	/* an int attribute has no string */
	ASSERT_TRUE(!span__attr_str(s, "http.response.status_code", &len));
	ASSERT_TRUE(!span__attr(s, "nope"));
	free(s);
}

TEST(span_str_sanitized)
{
	struct span *s = new_span();
	const char *v;
	size_t len;

	ASSERT_TRUE(s);
	ASSERT_EQ(span__add_str(s, "k", "a\xff\xc3\xa9", 4), 0);
	v = span__attr_str(s, "k", &len);
	ASSERT_EQ(len, 6);
	ASSERT_MEMEQ(v, "a\xef\xbf\xbd\xc3\xa9", 6);
	free(s);
}

/*
 * Short ASCII is copied inline, anything else repaired from its start: a
 * bad byte anywhere in strings of every length up to three words comes out
 * as utf8__sanitize has it, and so does ASCII that does not fit whole.
 */
TEST(span_str_ascii_then_repair)
{
	struct span *s = new_span();
	char src[24], want[64];
	const char *v;
	size_t len, wlen;

	ASSERT_TRUE(s);
	for (size_t n = 0; n <= sizeof(src); n++) {
		for (size_t pos = 0; pos <= n; pos++) {
			for (size_t i = 0; i < n; i++)
				src[i] = i == pos ? (char)0xff
						  : (char)('A' + i % 26);
			span__reset(s);
			ASSERT_EQ(span__add_str(s, "k", src, n), 0);
			wlen = utf8__sanitize(want, sizeof(want), src, n);
			v = span__attr_str(s, "k", &len);
			ASSERT_TRUE(v);
			ASSERT_EQ(len, wlen);
			ASSERT_MEMEQ(v, want, wlen);
			ASSERT_EQ(s->strbuf_len, wlen);
		}
	}
	/* 5 bytes left: an ASCII string of 8 keeps its first 5 */
	span__reset(s);
	s->strbuf_len = SPAN_STRBUF - 5;
	ASSERT_EQ(span__add_str(s, "k", "abcdefgh", 8), 0);
	v = span__attr_str(s, "k", &len);
	ASSERT_EQ(len, 5);
	ASSERT_MEMEQ(v, "abcde", 5);
	ASSERT_EQ(s->strbuf_len, SPAN_STRBUF);
	free(s);
}

TEST(span_strbuf_full_cuts_then_drops)
{
	struct span *s = new_span();
	char big[SPAN_STRBUF];
	const char *v;
	size_t len;

	ASSERT_TRUE(s);
	memset(big, 'x', sizeof(big));
	ASSERT_EQ(span__add_str(s, "a", big, SPAN_STRBUF - 2), 0);
	/* 2 bytes left: "é€" keeps only the é */
	ASSERT_EQ(span__add_str(s, "b", "\xc3\xa9\xe2\x82\xac", 5), 0);
	v = span__attr_str(s, "b", &len);
	ASSERT_EQ(len, 2);
	ASSERT_MEMEQ(v, "\xc3\xa9", 2);
	ASSERT_EQ(s->strbuf_len, SPAN_STRBUF);
	ASSERT_EQ(span__add_str(s, "c", "y", 1), -ENOSPC);
	ASSERT_EQ(s->dropped_attrs, 1);
	ASSERT_TRUE(!span__attr(s, "c"));
	/* an int needs no strbuf */
	ASSERT_EQ(span__add_int(s, "d", 7), 0);
	ASSERT_EQ(s->nattrs, 3);
	free(s);
}

TEST(span_max_attrs)
{
	struct span *s = new_span();

	ASSERT_TRUE(s);
	for (int i = 0; i < SPAN_MAX_ATTRS; i++)
		ASSERT_EQ(span__add_int(s, "n", i), 0);
	ASSERT_EQ(span__add_int(s, "n", 99), -ENOSPC);
	ASSERT_EQ(span__add_str(s, "s", "v", 1), -ENOSPC);
	ASSERT_EQ(s->nattrs, SPAN_MAX_ATTRS);
	ASSERT_EQ(s->dropped_attrs, 2);
	/* the first of duplicates wins */
	ASSERT_EQ(span__attr(s, "n")->i, 0);
	free(s);
}

TEST(span_random_id)
{
	uint8_t a[16], b[16], zero[16] = { 0 };

	for (int i = 0; i < 100; i++) {
		span__random_id(a, sizeof(a));
		span__random_id(b, sizeof(b));
		ASSERT_TRUE(memcmp(a, zero, sizeof(a)));
		ASSERT_TRUE(memcmp(a, b, sizeof(a)));
	}
	/* one byte ids are zero 1 time in 256 unless retried */
	for (int i = 0; i < 2000; i++) {
		span__random_id(a, 1);
		ASSERT_TRUE(a[0] != 0);
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* ids from the generator: no repeats, every byte value about as common */
TEST(span_random_id_spread)
{
	enum { N = 1 << 16 };
	uint64_t *ids = calloc(N, sizeof(*ids));
	unsigned int count[8][256] = {{0}};

	ASSERT_TRUE(ids != NULL);
	for (int i = 0; i < N; i++) {
		uint8_t b[8];

		span__random_id(b, sizeof(b));
		memcpy(&ids[i], b, sizeof(b));
		for (int k = 0; k < 8; k++)
			count[k][b[k]]++;
	}
	qsort(ids, N, sizeof(*ids), cmp_u64);
	for (int i = 1; i < N; i++)
		ASSERT_TRUE(ids[i] != ids[i - 1]);
	/* 256 expected per value; a stuck or biased byte falls far outside */
	for (int k = 0; k < 8; k++)
		for (int v = 0; v < 256; v++)
			ASSERT_TRUE(count[k][v] > 150 && count[k][v] < 370);
	free(ids);
}

TEST(span_is_root)
{
	struct span *s = new_span();

	ASSERT_TRUE(s);
	ASSERT_TRUE(span__is_root(s));
	s->parent_span_id[7] = 1;
	ASSERT_TRUE(!span__is_root(s));
	free(s);
}

/*
 * span__add_str as it was before its common case went inline into callers:
 * the reference the inline one must match, result and span, for any input.
 */
static int ref_add_str(struct span *s, const char *key, const char *val,
		       size_t len)
{
	uint16_t off = s->strbuf_len;
	size_t n = len;

	if (!key || (!val && len))
		return -EINVAL;
	if (s->nattrs >= SPAN_MAX_ATTRS) {
		s->dropped_attrs++;
		return -ENOSPC;
	}
	if (len > (size_t)(SPAN_STRBUF - off) ||
	    utf8__copy_ascii(s->strbuf + off, val, len) != len) {
		n = utf8__copy(s->strbuf + off, SPAN_STRBUF - off, val, len);
		if (len && !n) {
			s->dropped_attrs++;
			return -ENOSPC;
		}
	}
	s->attrs[s->nattrs++] = (struct span_attr){
		.key = key, .type = SPAN_ATTR_STR, .len = n, .off = off};
	s->strbuf_len = off + n;
	return 0;
}

/* Both add val to a span of nattrs attributes and rem bytes of strbuf left */
static bool add_str_same(uint16_t nattrs, size_t rem, const char *key,
			 const char *val, size_t len)
{
	static struct span tmpl, a, b;
	int ra, rb;

	if (!tmpl.nattrs) {
		memset(&tmpl, 0x5a, sizeof(tmpl));
		span__reset(&tmpl);
		tmpl.nattrs = 1;
	}
	tmpl.nattrs = nattrs;
	tmpl.strbuf_len = SPAN_STRBUF - rem;
	a = tmpl;
	b = tmpl;
	ra = ref_add_str(&a, key, val, len);
	rb = span__add_str(&b, key, val, len);
	return ra == rb && !memcmp(&a, &b, sizeof(a));
}

TEST(span_add_str_matches_reference)
{
	static const size_t lens[] = {0,  1,  2,  3,  4,  5,  6,  7,  8,
				      9,  10, 11, 12, 15, 16, 17, 23, 24,
				      25, 31, 32, 33, 63, 64, 65};
	char buf[128];
	uint32_t x = 1;

	/* every byte value at every position, strbuf room around the length */
	for (size_t li = 0; li < sizeof(lens) / sizeof(lens[0]); li++) {
		size_t len = lens[li];

		for (size_t pos = 0; pos < (len ? len : 1); pos++) {
			for (int c = 0; c < 256; c++) {
				static const int dr[] = {-3, -1, 0, 1, 2, 3};

				memset(buf, 'a', sizeof(buf));
				if (len)
					buf[pos] = (char)c;
				for (size_t d = 0; d < 6; d++) {
					size_t rem = (size_t)((int)len + dr[d]);

					if ((int)len + dr[d] < 0)
						continue;
					ASSERT_TRUE(add_str_same(3, rem, "k",
								 buf, len));
				}
				ASSERT_TRUE(add_str_same(3, SPAN_STRBUF - 100,
							 "k", buf, len));
			}
		}
	}
	/* mixed bytes, mostly high ones, at random lengths and room */
	for (int i = 0; i < 200000; i++) {
		size_t len, rem;

		x = x * 1664525u + 1013904223u;
		len = (x >> 8) % 48;
		rem = (x >> 16) % 64;
		for (size_t j = 0; j < len; j++) {
			x = x * 1664525u + 1013904223u;
			buf[j] = (char)((x >> 24) | ((x & 0x100) ? 0x80 : 0));
		}
		ASSERT_TRUE(add_str_same(3, rem, "k", buf, len));
	}
	/* the refusals: no key, no value, no attribute left, no room */
	for (uint16_t n = SPAN_MAX_ATTRS - 2; n <= SPAN_MAX_ATTRS; n++) {
		ASSERT_TRUE(add_str_same(n, 10, "k", "v", 1));
		ASSERT_TRUE(add_str_same(n, 10, NULL, "v", 1));
		ASSERT_TRUE(add_str_same(n, 10, "k", NULL, 0));
		ASSERT_TRUE(add_str_same(n, 10, "k", NULL, 1));
		ASSERT_TRUE(add_str_same(n, 0, "k", "v", 1));
		ASSERT_TRUE(add_str_same(n, 0, "k", "", 0));
		ASSERT_TRUE(add_str_same(n, 2, "k", "\xc3\xa9\xe2\x82\xac", 5));
		ASSERT_TRUE(add_str_same(n, 2, "k", "\xff", 1));
	}
}

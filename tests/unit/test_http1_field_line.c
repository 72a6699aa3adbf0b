// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * http1_scan_field_line() against the scan it replaced, kept here as the
 * reference: every byte value at every position of typical and edge
 * field lines, every cut of them, and random lines, each from a heap copy
 * of just its bytes so that ASan sees a read past them.
 */
#include <stdlib.h>
#include <string.h>

#include "proto/http1_internal.h"
#include "test.h"
#include "util/ascii.h"

static enum line_res ref_scan_short(const uint8_t *s, size_t avail,
				    size_t *ret_colon, size_t *ret_n,
				    size_t *ret_next)
{
	size_t i = ascii__token_run(s, avail);

	if (i == avail)
		return LINE_MORE;
	if (!i || s[i] != ':')
		return LINE_BAD;
	*ret_colon = i++;
	for (;;) {
		i += ascii__no_ctl_run(s + i, avail - i);
		if (i == avail)
			return LINE_MORE;
		if (s[i] != '\t')
			break;
		i++;
	}
	*ret_n = i;
	if (s[i] == '\n') {
		*ret_next = i + 1;
		return LINE_OK;
	}
	if (s[i] != '\r')
		return LINE_BAD;
	if (i + 1 == avail)
		return LINE_MORE;
	if (s[i + 1] != '\n')
		return LINE_BAD;
	*ret_next = i + 2;
	return LINE_OK;
}

#ifdef __SSE2__
static unsigned int ref_v_ctl_but_tab(__m128i x)
{
	const __m128i below = _mm_set1_epi8(0x1f);
	__m128i ctl = _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(x, below), x),
				   _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7f)));

	return (unsigned int)_mm_movemask_epi8(
		_mm_andnot_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('\t')), ctl));
}

static unsigned int ref_tail_mask(const uint8_t *s, size_t avail, size_t i,
				  unsigned int (*class)(__m128i))
{
	__m128i x = _mm_loadu_si128((const __m128i *)(s + avail - 16));

	return class(x) >> (i - (avail - 16));
}

static enum line_res ref_scan(const uint8_t *s, size_t avail, size_t *ret_colon,
			      size_t *ret_n, size_t *ret_next)
{
	unsigned int m;
	size_t i = 0;

	if (avail < 16)
		return ref_scan_short(s, avail, ret_colon, ret_n, ret_next);
	for (;;) {
		if (i + 16 <= avail) {
			m = ascii__v_not_alnum_dash(
				_mm_loadu_si128((const __m128i *)(s + i)));
		} else {
			if (i == avail)
				return LINE_MORE;
			m = ref_tail_mask(s, avail, i, ascii__v_not_alnum_dash);
		}
		if (!m) {
			i += 16;
			if (i >= avail)
				return LINE_MORE;
			continue;
		}
		i += (size_t)__builtin_ctz(m);
		if (s[i] == ':')
			break;
		if (!ascii__tchar[s[i]])
			return LINE_BAD;
		i++;
	}
	if (!i)
		return LINE_BAD;
	*ret_colon = i++;
	for (;; i += 16) {
		if (i + 16 <= avail) {
			m = ref_v_ctl_but_tab(
				_mm_loadu_si128((const __m128i *)(s + i)));
		} else {
			if (i >= avail)
				return LINE_MORE;
			m = ref_tail_mask(s, avail, i, ref_v_ctl_but_tab);
			if (!m)
				return LINE_MORE;
		}
		if (m)
			break;
	}
	i += (size_t)__builtin_ctz(m);
	*ret_n = i;
	if (s[i] == '\r') {
		if (i + 1 == avail)
			return LINE_MORE;
		if (s[i + 1] != '\n')
			return LINE_BAD;
		*ret_next = i + 2;
		return LINE_OK;
	}
	if (s[i] != '\n')
		return LINE_BAD;
	*ret_next = i + 1;
	return LINE_OK;
}
#else
#define ref_scan ref_scan_short
#endif

static unsigned long n_ok;

/* Both scans on buf[0..len): the same result, and where a line is OK. */
static void check_scan(const uint8_t *buf, size_t len)
{
	size_t wc = 0, wn = 0, wx = 0, gc = 0, gn = 0, gx = 0;
	uint8_t *b = malloc(len ? len : 1);
	enum line_res want, got;

	memcpy(b, buf, len);
	want = ref_scan(b, len, &wc, &wn, &wx);
	got = http1_scan_field_line(b, len, &gc, &gn, &gx);
	free(b);
	if (got != want ||
	    (want == LINE_OK && (gc != wc || gn != wn || gx != wx))) {
		test__fail(__FILE__, __LINE__,
			   "\"%.*s\" (%zu bytes): %d %zu %zu %zu != %d %zu %zu "
			   "%zu",
			   (int)len, (const char *)buf, len, (int)got, gc, gn,
			   gx, (int)want, wc, wn, wx);
		return;
	}
	n_ok += want == LINE_OK;
}

/* Every byte value at every position of line, and every cut of it. */
static void check_bytes(const char *line)
{
	test__sweep_bytes(line, check_scan, NULL);
}

static const char *const lines[] = {
	"Host: 127.0.0.1:18300\r\n\r\n",
	"Date: Tue, 24 Nov 2026 20:36:18 GMT\r\nX: y\r\n",
	"ETag: \"6b05ee89-200\"\n\n",
	"X:\r\n",
	"X:\t\xc3\xa9 v\ta\r\n\r\n",
	"Name-Of-Sixteen:",
	"Name-Of-Fifteen: value\r\n",
	"Name-Of-Seventeen: value\r\n",
	"A-Name_Longer.Than+Two~Vectors!Of#Bytes: v\r\n",
	"K: a value that is longer than two vectors of bytes\r\n",
	"\r\n",
};

TEST(http1_scan_field_line_is_the_old_scan_on_every_byte)
{
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		check_bytes(lines[i]);
		if (test__failed())
			return;
	}
	ASSERT_TRUE(n_ok > 0);
}

/* What random lines are made of: bytes that matter to field lines. */
static const char *const parts[] = {
	"Host",
	":",
	" ",
	"\t",
	"\r",
	"\n",
	"\r\n",
	"a",
	"-",
	"Z9",
	"_",
	"\x7f",
	"\x80",
	"\0",
	"@",
	"\"",
	"abcdefghijklmnop",
};

/* Lines from bytes that matter to them, random in kind and length. */
TEST(http1_scan_field_line_is_the_old_scan_on_random_lines)
{
	unsigned int seed = 3;
	uint8_t buf[80];

	for (int iter = 0; iter < 300000; iter++) {
		size_t n = 0, want = rand_r(&seed) % sizeof(buf);

		n = test__append_parts(buf, n, want, parts,
				       sizeof(parts) / sizeof(parts[0]), &seed);
		check_scan(buf, n);
		if (test__failed())
			return;
	}
}

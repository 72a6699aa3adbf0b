/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * UTF-8 validation and repair, following the Unicode "maximal subpart"
 * practice: each maximal ill-formed subsequence becomes one U+FFFD, so
 * every exporter sees the same text for the same bytes.
 */
#ifndef __SPANTAP_UTF8_H
#define __SPANTAP_UTF8_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "util/ascii.h"

/* U+FFFD REPLACEMENT CHARACTER, encoded */
#define UTF8_REPLACEMENT "\xef\xbf\xbd"
#define UTF8_REPLACEMENT_LEN 3

/*
 * Look at the sequence starting at s (len > 0). Returns n > 0 when its first
 * n bytes are one well-formed character (its code point in *ret_cp, which may
 * be NULL), or -m when its first m bytes are an ill-formed maximal subpart
 * to replace by one U+FFFD. Returns 0 only when len is 0.
 */
int utf8__seq(const char *s, size_t len, uint32_t *ret_cp);

/*
 * Copy len bytes of src to dst (at most cap bytes, no NUL added), replacing
 * each ill-formed part by U+FFFD. Stops before a character that does not fit
 * whole. Returns the bytes written.
 */
size_t utf8__copy(char *dst, size_t cap, const char *src, size_t len);

/*
 * Copy the leading ASCII of src[0..n) to dst; returns its length (n when
 * all of it is ASCII). Inline, for callers whose strings are nearly all
 * short ASCII: utf8__copy then runs only for the rest. Writes dst[0..n)
 * at most.
 */
static inline size_t utf8__copy_ascii(char *dst, const char *src, size_t n)
{
	uint64_t w;
	uint32_t a, b;
	size_t i = 0;

	/*
	 * A word at a time as it is checked, the last word overlapping bytes
	 * already copied; under eight bytes, two overlapping halves or the
	 * first, middle and last bytes, which cover one to three.
	 */
	if (n >= 8) {
		for (; i + 8 <= n; i += 8) {
			memcpy(&w, src + i, 8);
			if (ascii__word_high(w))
				goto bytes;
			memcpy(dst + i, &w, 8);
		}
		if (i == n)
			return n;
		memcpy(&w, src + n - 8, 8);
		if (!ascii__word_high(w)) {
			memcpy(dst + n - 8, &w, 8);
			return n;
		}
	} else if (n >= 4) {
		memcpy(&a, src, 4);
		memcpy(&b, src + n - 4, 4);
		if (!((a | b) & 0x80808080u)) {
			memcpy(dst, &a, 4);
			memcpy(dst + n - 4, &b, 4);
			return n;
		}
	} else if (n) {
		char c0 = src[0], c1 = src[n / 2], c2 = src[n - 1];

		if (!ascii__is_high((uint8_t)(c0 | c1 | c2))) {
			dst[0] = c0;
			dst[n / 2] = c1;
			dst[n - 1] = c2;
			return n;
		}
	}
bytes:
	for (; i < n && !ascii__is_high((uint8_t)src[i]); i++)
		dst[i] = src[i];
	return i;
}

/*
 * As utf8__copy into a dst of dst_size bytes, NUL-terminated (when dst_size
 * is not 0). Returns the bytes written, the NUL not counted.
 */
size_t utf8__sanitize(char *dst, size_t dst_size, const char *src, size_t len);

/*
 * In valid UTF-8 s, the index of the first byte of the character that byte
 * i belongs to: cutting s at the result never splits a character.
 */
static inline size_t utf8__char_start(const char *s, size_t i)
{
	while (i && ((unsigned char)s[i] & 0xc0) == 0x80)
		i--;
	return i;
}

#endif /* __SPANTAP_UTF8_H */

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

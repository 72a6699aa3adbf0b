// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Well-formed UTF-8 per Unicode table 3-7: the second byte's range depends on
 * the lead byte, which is what excludes overlongs (E0 80.., F0 80..),
 * surrogates (ED A0..) and code points past U+10FFFF (F4 90.., F5..).
 */
#include <string.h>

#include "util/ascii.h"
#include "util/utf8.h"

static inline int is_cont(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

int utf8__seq(const char *s, size_t len, uint32_t *ret_cp)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned char lo = 0x80, hi = 0xbf;
	uint32_t cp;
	size_t need, i;

	if (!len)
		return 0;

	if (p[0] < 0x80) {
		if (ret_cp)
			*ret_cp = p[0];
		return 1;
	}
	if (p[0] < 0xc2 || p[0] > 0xf4)
		return -1;

	if (p[0] < 0xe0) {
		need = 1;
		cp = p[0] & 0x1f;
	} else if (p[0] < 0xf0) {
		need = 2;
		cp = p[0] & 0x0f;
		if (p[0] == 0xe0)
			lo = 0xa0;
		else if (p[0] == 0xed)
			hi = 0x9f;
	} else {
		need = 3;
		cp = p[0] & 0x07;
		if (p[0] == 0xf0)
			lo = 0x90;
		else if (p[0] == 0xf4)
			hi = 0x8f;
	}

	for (i = 1; i <= need; i++) {
		if (i >= len)
			return -(int)i;
		if (i == 1 ? (p[i] < lo || p[i] > hi) : !is_cont(p[i]))
			return -(int)i;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if (ret_cp)
		*ret_cp = cp;
	return (int)need + 1;
}

/*
 * utf8__copy from src[in] on, the ASCII before it copied: out of line, so
 * the ASCII copy, which is nearly all there is, does not pay for this
 * loop's registers on every call.
 */
static __attribute__((noinline)) size_t
copy_rest(char *dst, size_t cap, const char *src, size_t len, size_t in)
{
	size_t out = in;

	while (in < len) {
		int n = utf8__seq(src + in, len - in, NULL);

		if (n > 0) {
			if ((size_t)n > cap - out)
				break;
			memcpy(dst + out, src + in, n);
			out += n;
			in += n;
		} else {
			if (UTF8_REPLACEMENT_LEN > cap - out)
				break;
			memcpy(dst + out, UTF8_REPLACEMENT, UTF8_REPLACEMENT_LEN);
			out += UTF8_REPLACEMENT_LEN;
			in += -n;
		}
	}
	return out;
}

size_t utf8__copy(char *dst, size_t cap, const char *src, size_t len)
{
	size_t i = utf8__copy_ascii(dst, src, len < cap ? len : cap);

	if (i == len)
		return i;
	return copy_rest(dst, cap, src, len, i);
}

size_t utf8__sanitize(char *dst, size_t dst_size, const char *src, size_t len)
{
	size_t n;

	if (!dst_size)
		return 0;
	n = utf8__copy(dst, dst_size - 1, src, len);
	dst[n] = '\0';
	return n;
}

/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * ASCII character classes for the protocol parsers, independent of the C
 * locale (isdigit() and tolower() follow it; wire formats do not).
 */
#ifndef __SPANTAP_ASCII_H
#define __SPANTAP_ASCII_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* RFC 9110 tchar, as a table: header parsing runs it on every name byte */
extern const bool ascii__tchar[256];

static inline bool ascii__is_tchar(uint8_t c)
{
	return ascii__tchar[c];
}

static inline bool ascii__is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static inline char ascii__lower(char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/*
 * Eight bytes at a time (the "has less than" and "has zero byte" tricks):
 * nonzero when some byte of w is below 0x20, or is 0x7f. Exact as a yes/no
 * for every w, which is all the scans below ask of it.
 */
static inline uint64_t ascii__word_has_ctl(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ull;
	const uint64_t high = 0x8080808080808080ull;
	uint64_t del = w ^ (ones * 0x7f);

	return ((w - ones * 0x20) & ~w & high) | ((del - ones) & ~del & high);
}

/*
 * Length of the leading run of s[0..n) free of control bytes (below 0x20,
 * and 0x7f), found a word at a time; bytes from 0x80 count as free. The
 * byte that stops it, if any, is at or after the returned length.
 */
static inline size_t ascii__no_ctl_run(const uint8_t *s, size_t n)
{
	size_t i = 0;
	uint64_t w;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		if (ascii__word_has_ctl(w))
			break;
	}
	return i;
}

/* Length of the leading run of 7-bit bytes in s[0..n), a word at a time. */
static inline size_t ascii__run(const uint8_t *s, size_t n)
{
	size_t i = 0;
	uint64_t w;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		if (w & 0x8080808080808080ull)
			break;
	}
	while (i < n && !(s[i] & 0x80))
		i++;
	return i;
}

#endif /* __SPANTAP_ASCII_H */

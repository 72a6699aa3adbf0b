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
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* RFC 9110 tchar, as a table: header parsing runs it on every name byte */
extern const bool ascii__tchar[256];

static inline bool ascii__is_tchar(uint8_t c)
{
	return ascii__tchar[c];
}

#ifdef __SSE2__
/*
 * Bit k set when byte k of x is not a letter, digit or '-': the bytes
 * nearly every field name is made of, so the first flag is mostly the
 * name's end. A flagged byte may still be a tchar (see ascii__tchar).
 */
static inline unsigned int ascii__v_not_alnum_dash(__m128i x)
{
	/*
	 * A range test is an add and a signed compare: the add moves the
	 * range's first byte to -128, so the range is all that stays below
	 * -128 + its size. Bytes outside it wrap to above.
	 */
	__m128i low = _mm_or_si128(x, _mm_set1_epi8(0x20));
	__m128i alpha = _mm_cmpgt_epi8(
		_mm_set1_epi8(-128 + 26),
		_mm_add_epi8(low, _mm_set1_epi8((char)(0x80 - 'a'))));
	__m128i digit = _mm_cmpgt_epi8(
		_mm_set1_epi8(-128 + 10),
		_mm_add_epi8(x, _mm_set1_epi8((char)(0x80 - '0'))));
	__m128i ok = _mm_or_si128(_mm_or_si128(alpha, digit),
				  _mm_cmpeq_epi8(x, _mm_set1_epi8('-')));

	return ~(unsigned int)_mm_movemask_epi8(ok) & 0xffff;
}

/*
 * Bit k set when byte k of x is not a letter or '-': three instructions
 * fewer than ascii__v_not_alnum_dash(), for field names, where a digit
 * is rare enough to be looked up by itself.
 */
static inline unsigned int ascii__v_not_alpha_dash(__m128i x)
{
	__m128i low = _mm_or_si128(x, _mm_set1_epi8(0x20));
	__m128i alpha = _mm_cmpgt_epi8(
		_mm_set1_epi8(-128 + 26),
		_mm_add_epi8(low, _mm_set1_epi8((char)(0x80 - 'a'))));
	__m128i ok = _mm_or_si128(alpha, _mm_cmpeq_epi8(x, _mm_set1_epi8('-')));

	return ~(unsigned int)_mm_movemask_epi8(ok) & 0xffff;
}

/*
 * Bit k set when byte k of x is below lo (at most 0x80) or is 0x7f: an
 * unsigned minimum finds the bytes below lo.
 */
static inline unsigned int ascii__v_below_or_del(__m128i x, uint8_t lo)
{
	const __m128i below = _mm_set1_epi8((char)(lo - 1));
	const __m128i del = _mm_set1_epi8(0x7f);
	__m128i stop = _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(x, below), x),
				    _mm_cmpeq_epi8(x, del));

	return (unsigned int)_mm_movemask_epi8(stop);
}

/* Bit k set when byte k of x is a control byte (HTAB too). */
static inline unsigned int ascii__v_ctl(__m128i x)
{
	return ascii__v_below_or_del(x, 0x20);
}

#endif

/*
 * Length of the leading run of tchars in s[0..n): a field name, up to its
 * colon. With SSE2, sixteen bytes at a time are tested for the letters,
 * digits and '-' that nearly every name is made of; a rarer byte is
 * looked up in the table, and the scan goes on if it is a tchar.
 */
static inline size_t ascii__token_run(const uint8_t *s, size_t n)
{
	size_t i = 0;

#ifdef __SSE2__
	while (i + 16 <= n) {
		__m128i x = _mm_loadu_si128((const __m128i *)(s + i));
		unsigned int odd = ascii__v_not_alnum_dash(x);

		if (!odd) {
			i += 16;
			continue;
		}
		i += (size_t)__builtin_ctz(odd);
		if (!ascii__tchar[s[i]])
			return i;
		i++;
	}
#endif
	while (i < n && ascii__tchar[s[i]])
		i++;
	return i;
}

static inline bool ascii__is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static inline char ascii__lower(char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* RFC 9110 OWS: a space or a horizontal tab */
static inline bool ascii__is_ows(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/* a[0..n) equals lc, which is lowercase, in any case of a's letters */
static inline bool ascii__mem_ieq_lc(const char *a, const char *lc, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ascii__lower(a[i]) != lc[i])
			return false;
	return true;
}

/* The value of a hex digit in either case, or -1 */
static inline int ascii__hex_value(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* strcasecmp() for ASCII, whatever the locale says a letter is */
static inline int ascii__casecmp(const char *a, const char *b)
{
	while (*a && ascii__lower(*a) == ascii__lower(*b)) {
		a++;
		b++;
	}
	return (unsigned char)ascii__lower(*a) -
	       (unsigned char)ascii__lower(*b);
}

/*
 * Eight bytes at a time (the "has less than" trick): nonzero when some
 * byte of w is below lo (at most 0x80). A borrow only runs upwards from a
 * byte that is one, so the lowest flagged byte is the first such byte;
 * those above it may be flagged falsely.
 */
static inline uint64_t ascii__word_below(uint64_t w, uint8_t lo)
{
	const uint64_t ones = 0x0101010101010101ull;
	const uint64_t high = 0x8080808080808080ull;

	return (w - ones * lo) & ~w & high;
}

/* ... or is 0x7f (the "has zero byte" trick on w ^ 0x7f...) */
static inline uint64_t ascii__word_below_or_del(uint64_t w, uint8_t lo)
{
	return ascii__word_below(w, lo) |
	       ascii__word_below(w ^ (0x0101010101010101ull * 0x7f), 1);
}

/* Some byte of w is NUL; see above. */
static inline uint64_t ascii__word_has_nul(uint64_t w)
{
	return ascii__word_below(w, 1);
}

/* Some byte of w is a control byte (below 0x20, or 0x7f); see above. */
static inline uint64_t ascii__word_has_ctl(uint64_t w)
{
	return ascii__word_below_or_del(w, 0x20);
}

/* ... or a space */
static inline uint64_t ascii__word_has_ctl_or_sp(uint64_t w)
{
	return ascii__word_below_or_del(w, 0x21);
}

/*
 * The first flagged byte of a word loaded from memory, when a mask's
 * lowest flag marks it (little-endian); else ASCII_FLAG_UNKNOWN, and the
 * scan goes on byte by byte from the word's start.
 */
#define ASCII_FLAG_UNKNOWN 8

static inline size_t ascii__flag_byte(uint64_t mask)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return (size_t)__builtin_ctzll(mask) >> 3;
#else
	(void)mask;
	return ASCII_FLAG_UNKNOWN;
#endif
}

/*
 * Length of the leading run of s[0..n) with no byte that stops(): a word
 * at a time, by flags(), which must flag the first such byte of a word
 * exactly (those after it may be flagged falsely); the last word overlaps
 * checked bytes, which have no flag to give. The byte that stops the run,
 * if any, is s[returned length]. Both are constant at every call and
 * inline.
 */
static inline size_t ascii__scan(const uint8_t *s, size_t n,
				 uint64_t (*flags)(uint64_t),
				 bool (*stops)(uint8_t))
{
	size_t i = 0;
	uint64_t w, m;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		m = flags(w);
		if (m && ascii__flag_byte(m) != ASCII_FLAG_UNKNOWN)
			return i + ascii__flag_byte(m);
		if (m)
			break;
	}
	if (i < n && n >= 8) {
		memcpy(&w, s + n - 8, 8);
		m = flags(w);
		if (!m)
			return n;
		if (ascii__flag_byte(m) != ASCII_FLAG_UNKNOWN)
			return n - 8 + ascii__flag_byte(m);
	}
	while (i < n && !stops(s[i]))
		i++;
	return i;
}

static inline bool ascii__is_ctl(uint8_t c)
{
	return c < 0x20 || c == 0x7f;
}

static inline bool ascii__is_ctl_or_sp(uint8_t c)
{
	return c <= 0x20 || c == 0x7f;
}

/*
 * Length of the leading run of s[0..n) with no byte below lo (at most
 * 0x80) nor 0x7f; the byte that stops it, if any, is s[returned length].
 * word() and byte() are the same test on a word and a byte, for the bytes
 * short of a vector; all three are constant at every call. With SSE2,
 * sixteen bytes take about seven instructions (an unsigned minimum finds
 * the bytes below lo), where a word of eight takes about twelve: every
 * field value and request target of every head is scanned here.
 */
static inline size_t ascii__run_from(const uint8_t *s, size_t n, uint8_t lo,
				     uint64_t (*word)(uint64_t),
				     bool (*byte)(uint8_t))
{
	size_t i = 0;

#ifdef __SSE2__
	for (; i + 16 <= n; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(s + i));
		unsigned int m = ascii__v_below_or_del(x, lo);

		if (m)
			return i + (size_t)__builtin_ctz(m);
	}
#endif
	if (i == n) /* s may be NULL when n is 0 */
		return n;
	return i + ascii__scan(s + i, n - i, word, byte);
}

/*
 * Length of the leading run of s[0..n) free of control bytes (below 0x20,
 * and 0x7f); bytes from 0x80 count as free. The byte that stops it, if
 * any, is s[returned length].
 */
static inline size_t ascii__no_ctl_run(const uint8_t *s, size_t n)
{
	return ascii__run_from(s, n, 0x20, ascii__word_has_ctl, ascii__is_ctl);
}

/* ... nor spaces: a request target (bytes from 0x80 count as free) */
static inline size_t ascii__no_ctl_sp_run(const uint8_t *s, size_t n)
{
	return ascii__run_from(s, n, 0x21, ascii__word_has_ctl_or_sp,
			       ascii__is_ctl_or_sp);
}

static inline uint64_t ascii__word_high(uint64_t w)
{
	return w & 0x8080808080808080ull;
}

static inline bool ascii__is_high(uint8_t c)
{
	return c & 0x80;
}

/*
 * w with the bytes 'A'..'Z' made lowercase and every other byte as it was:
 * each byte's low seven bits plus a constant sets its high bit from 'A'
 * on, and from past 'Z', with no carry into the next byte.
 */
static inline uint64_t ascii__lower_word(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ull;
	const uint64_t high = ones * 0x80;
	uint64_t low7 = w & ~high;
	uint64_t from_a = low7 + ones * (0x80 - 'A');
	uint64_t past_z = low7 + ones * (0x80 - 'Z' - 1);

	return w | ((from_a & ~past_z & ~w & high) >> 2);
}

#endif /* __SPANTAP_ASCII_H */

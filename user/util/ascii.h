/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * ASCII character classes for the protocol parsers, independent of the C
 * locale (isdigit() and tolower() follow it; wire formats do not).
 */
#ifndef __SPANTAP_ASCII_H
#define __SPANTAP_ASCII_H

#include <stdbool.h>
#include <stdint.h>

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

#endif /* __SPANTAP_ASCII_H */

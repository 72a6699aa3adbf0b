/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * An IPv4 address as text, as inet_ntop writes it, without its printf: a
 * connection's two addresses are formatted when it opens, and under short
 * connections glibc's formatting was 7 % of the agent's time.
 */
#ifndef __SPANTAP_UTIL_IPV4_H
#define __SPANTAP_UTIL_IPV4_H

#include <stddef.h>
#include <stdint.h>

#define IPV4__STRLEN 16 /* "255.255.255.255" and its NUL */

/* a[0..4) in network order into out (IPV4__STRLEN bytes); its length */
static inline size_t ipv4__format(const uint8_t *a, char *out)
{
	char *p = out;

	for (int i = 0; i < 4; i++) {
		unsigned int v = a[i];

		if (i)
			*p++ = '.';
		if (v >= 100) {
			*p++ = (char)('0' + v / 100);
			v %= 100;
			*p++ = (char)('0' + v / 10);
		} else if (v >= 10) {
			*p++ = (char)('0' + v / 10);
		}
		*p++ = (char)('0' + v % 10);
	}
	*p = '\0';
	return (size_t)(p - out);
}

#endif /* __SPANTAP_UTIL_IPV4_H */

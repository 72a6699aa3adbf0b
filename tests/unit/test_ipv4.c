// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* ipv4__format against inet_ntop, the text it stands in for. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util/ipv4.h"
#include "test.h"

static void check(const uint8_t a[4])
{
	char want[INET_ADDRSTRLEN], got[IPV4__STRLEN + 8];
	size_t n;

	memset(got, 'x', sizeof(got));
	ASSERT_TRUE(inet_ntop(AF_INET, a, want, sizeof(want)));
	n = ipv4__format(a, got);
	if (strcmp(got, want) || n != strlen(want) || got[IPV4__STRLEN] != 'x')
		test__fail(__FILE__, __LINE__, "%s: got %s (%zu)", want, got,
			   n);
}

TEST(ipv4_format_is_inet_ntops)
{
	uint8_t a[4];
	unsigned int seed = 11;

	/* every value in every octet, the others at their widest */
	for (int pos = 0; pos < 4 && !test__failed(); pos++)
		for (unsigned int v = 0; v < 256; v++) {
			memset(a, 255, sizeof(a));
			a[pos] = (uint8_t)v;
			check(a);
			memset(a, 0, sizeof(a));
			a[pos] = (uint8_t)v;
			check(a);
		}
	for (int i = 0; i < 1000000 && !test__failed(); i++) {
		uint32_t r = (uint32_t)rand_r(&seed) ^ (uint32_t)rand_r(&seed)
							       << 16;

		memcpy(a, &r, sizeof(a));
		check(a);
	}
}

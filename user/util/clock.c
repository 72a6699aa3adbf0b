// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <time.h>

#include "util/clock.h"

static uint64_t read_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

uint64_t clock__mono_ns(void)
{
	return read_ns(CLOCK_MONOTONIC);
}

uint64_t clock__wall_ns(void)
{
	return read_ns(CLOCK_REALTIME);
}

int64_t clock__mono_to_wall(void)
{
	uint64_t best_window = UINT64_MAX;
	int64_t best = 0;

	for (int i = 0; i < 8; i++) {
		uint64_t m1 = read_ns(CLOCK_MONOTONIC);
		uint64_t w = read_ns(CLOCK_REALTIME);
		uint64_t m2 = read_ns(CLOCK_MONOTONIC);

		if (m2 - m1 < best_window) {
			best_window = m2 - m1;
			best = (int64_t)w - (int64_t)(m1 + (m2 - m1) / 2);
		}
	}
	return best;
}

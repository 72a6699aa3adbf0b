/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * When to retry an OTLP/HTTP export and how long to wait first: which HTTP
 * statuses are worth another try, the server's Retry-After, and a jittered
 * exponential backoff. Pure computation: the caller supplies the clock and
 * the randomness, so all of it is deterministic under test.
 */
#ifndef __SPANTAP_RETRY_H
#define __SPANTAP_RETRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Longest Retry-After we represent, in seconds (ten digits, ~317 years):
 * longer ones, whether delay-seconds or an HTTP-date, clamp to it. The
 * policy caps far below anyway; clamping keeps "wait a very long time"
 * meaning that instead of falling back to a short backoff.
 */
#define RETRY_AFTER_MAX_S 9999999999ull

/*
 * Whether an export that got this HTTP status may be retried: 429, 502,
 * 503 and 504 only, as the OTLP/HTTP spec says. Network errors and
 * timeouts are the caller's to judge.
 */
bool otlp_http__retryable(long http_status);

/*
 * Parse a Retry-After value of len bytes (not NUL-terminated; surrounding
 * spaces, tabs, CR and LF ignored): delay-seconds, or an HTTP-date in
 * IMF-fixdate, RFC 850 or asctime form, taken relative to now (unix
 * seconds). The weekday name must be one but is not checked against the
 * date. A date not after now is a delay of 0. *ret_delay_ms gets the delay,
 * clamped to RETRY_AFTER_MAX_S seconds. 0, or -EINVAL when it is neither.
 */
int retry_after__parse(const char *value, size_t len, int64_t now_unix_s,
		       uint64_t *ret_delay_ms);

struct retry_policy {
	uint64_t initial_ms;	  /* default 500 */
	uint64_t max_interval_ms; /* default 30000 */
	/* default 300000: a batch is given up after this long */
	uint64_t max_elapsed_ms;
	/* default 2.0; below 1, or NaN, counts as 1 */
	double multiplier;
	/* default 0.5; held within [0, 1], NaN counts as 0 */
	double jitter;
};

/* Fill p with the defaults above. */
void retry_policy__init(struct retry_policy *p);

/*
 * Delay before retry number attempt (1 is the first retry; 0 counts as 1):
 * d = min(initial * multiplier^(attempt-1), max_interval), then spread
 * uniformly over [d*(1-jitter), d*(1+jitter)] by rnd, a uniform random u32
 * from the caller (0 gives the low end, UINT32_MAX the high end). At least
 * 1 ms when initial_ms > 0, otherwise never above
 * max_interval * (1 + jitter). Any attempt up to UINT_MAX is fine.
 */
uint64_t retry_policy__delay_ms(const struct retry_policy *p, unsigned attempt,
				uint32_t rnd);

/*
 * Delay when the server sent Retry-After: its value is honoured even past
 * max_interval_ms (the server knows its load better than we do), but kept
 * within [initial_ms, max_elapsed_ms]: no batch waits longer than it may
 * live, and a "Retry-After: 0" does not make a busy loop of retries.
 */
uint64_t retry_policy__server_delay_ms(const struct retry_policy *p,
				       uint64_t retry_after_ms);

/*
 * Whether a batch first tried elapsed_ms ago is given up rather than
 * retried after delay_ms more: true once elapsed + delay would pass
 * max_elapsed_ms.
 */
bool retry_policy__expired(const struct retry_policy *p, uint64_t elapsed_ms,
			   uint64_t delay_ms);

#endif /* __SPANTAP_RETRY_H */

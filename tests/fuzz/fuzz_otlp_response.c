// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * libFuzzer target for what an OTLP/HTTP collector answers: the response
 * and status parsers, Content-Type, Retry-After and the backoff.
 *
 * Byte 0 picks what the rest of the input is:
 *   0  a 200 body, protobuf      1  a 200 body, JSON
 *   2  a 4xx/5xx body, protobuf  3  a 4xx/5xx body, JSON
 *   4  a Retry-After value, relative to a fixed now
 *   5  a Content-Type value
 *   6  a retry policy, attempt and random number (raw struct bytes)
 *   7  8 bytes of now (any int64), then a Retry-After value
 * (byte 0 is taken modulo 8). Besides the sanitizers, the documented
 * properties of every result are checked with abort().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "export/otlp_response.h"
#include "export/retry.h"
#include "util/utf8.h"

/* Sun, 15 Jun 2025 12:00:00 GMT */
#define FUZZ_NOW 1749988800LL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_response(const struct otlp_response *r, int err, bool success)
{
	const char *m = r->message;
	size_t len, i = 0;

	if (err != 0 && err != -EBADMSG)
		abort();
	if (r->rejected_spans < 0)
		abort();
	len = strnlen(m, sizeof(r->message));
	if (len == sizeof(r->message))
		abort();
	while (i < len) {
		uint32_t cp;
		int n = utf8__seq(m + i, len - i, &cp);

		if (n <= 0 || cp < 0x20 || cp == 0x7f)
			abort();
		i += n;
	}
	/* a failed parse, or a status, says nothing about spans */
	if ((err || !success) && (r->partial || r->rejected_spans))
		abort();
	if (err && len)
		abort();
	if (!r->partial && r->rejected_spans)
		abort();
}

static void check_retry_after(const uint8_t *data, size_t size, int64_t now)
{
	uint64_t ms = 0;
	int err = retry_after__parse((const char *)data, size, now, &ms);

	if (err != 0 && err != -EINVAL)
		abort();
	if (!err && ms > RETRY_AFTER_MAX_S * 1000)
		abort();
}

static void check_body_type(const uint8_t *data, size_t size)
{
	enum otlp_body_type t = (enum otlp_body_type) - 1;
	char *s = malloc(size + 1);
	int err;

	if (!s)
		return;
	memcpy(s, data, size);
	s[size] = '\0';
	err = otlp_response__body_type(s, &t);
	if (err != 0 && err != -ENOENT)
		abort();
	if (!err && t != OTLP_BODY_PROTOBUF && t != OTLP_BODY_JSON)
		abort();
	free(s);
}

static void check_policy(const uint8_t *data, size_t size)
{
	struct {
		struct retry_policy p;
		unsigned attempt;
		uint32_t rnd;
		uint64_t elapsed;
	} in;
	uint64_t d, hi, sum;

	memset(&in, 0, sizeof(in));
	memcpy(&in, data, size < sizeof(in) ? size : sizeof(in));
	d = retry_policy__delay_ms(&in.p, in.attempt, in.rnd);
	if (in.p.initial_ms && !d)
		abort();
	/* jitter is at most 1, so never past twice the cap (or 1 ms) */
	hi = in.p.max_interval_ms > UINT64_MAX / 2 ? UINT64_MAX
						   : in.p.max_interval_ms * 2;
	if (d > hi && d != 1)
		abort();
	/* with a sane policy, never below the low end of the jitter */
	if (in.p.jitter >= 0 && in.p.jitter <= 1 && in.p.multiplier >= 1 &&
	    in.p.multiplier <= 16 && in.p.initial_ms < (1ull << 40) &&
	    in.p.max_interval_ms < (1ull << 40) && in.attempt <= 1) {
		uint64_t base = in.p.initial_ms < in.p.max_interval_ms
					? in.p.initial_ms
					: in.p.max_interval_ms;

		if (d + 1 < (uint64_t)(base * (1 - in.p.jitter)))
			abort();
	}
	d = retry_policy__server_delay_ms(&in.p, in.elapsed);
	if (d > in.p.max_elapsed_ms)
		abort();
	if (retry_policy__expired(&in.p, in.elapsed, d) !=
	    (__builtin_add_overflow(in.elapsed, d, &sum) ||
	     sum > in.p.max_elapsed_ms))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct otlp_response r;
	int64_t now;
	int err;

	if (!size)
		return 0;
	switch (data[0] % 8) {
	case 0:
	case 1:
		err = otlp_response__parse_success(
			data + 1, size - 1,
			data[0] % 8 ? OTLP_BODY_JSON : OTLP_BODY_PROTOBUF, &r);
		check_response(&r, err, true);
		break;
	case 2:
	case 3:
		err = otlp_response__parse_status(
			data + 1, size - 1,
			data[0] % 8 == 3 ? OTLP_BODY_JSON : OTLP_BODY_PROTOBUF,
			&r);
		check_response(&r, err, false);
		break;
	case 4:
		check_retry_after(data + 1, size - 1, FUZZ_NOW);
		break;
	case 5:
		check_body_type(data + 1, size - 1);
		break;
	case 6:
		check_policy(data + 1, size - 1);
		break;
	case 7:
		if (size < 9)
			return 0;
		memcpy(&now, data + 1, sizeof(now));
		check_retry_after(data + 9, size - 9, now);
		break;
	}
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * http1_start_line() against the start line check it replaced, kept here
 * as the reference: find the LF, drop its CR, judge the line. Every byte
 * value at every position of typical and edge lines, every cut of them,
 * and random lines, each from a heap copy of just its bytes so that ASan
 * sees a read past them.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "proto/http1_internal.h"
#include "test.h"
#include "util/ascii.h"

#define REF_METHOD_SANE 64

static size_t ref_copy_cut(char *dst, size_t size, const uint8_t *src, size_t n)
{
	if (n > size - 1)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return n;
}

static enum line_res ref_match_lit(const uint8_t *s, size_t n, const char *lit)
{
	size_t l = strlen(lit);

	if (n >= l)
		return memcmp(s, lit, l) ? LINE_BAD : LINE_OK;
	return memcmp(s, lit, n) ? LINE_BAD : LINE_MORE;
}

static enum line_res ref_check_version(const uint8_t *s, size_t n,
				       uint8_t *ret_minor)
{
	enum line_res r = ref_match_lit(s, n, "HTTP/1.");

	if (r != LINE_OK)
		return r;
	if (n == 7)
		return LINE_MORE;
	if (s[7] != '0' && s[7] != '1')
		return LINE_BAD;
	*ret_minor = s[7] - '0';
	return LINE_OK;
}

static enum line_res ref_request_line(const uint8_t *s, size_t n, bool complete,
				      struct http1_msg *msg)
{
	size_t i = 0, mlen, t0, tlen;
	uint8_t minor = 0;
	enum line_res r;

	while (i < n && ascii__is_tchar(s[i]))
		i++;
	mlen = i;
	if (mlen > REF_METHOD_SANE)
		return LINE_BAD;
	if (i == n)
		return complete ? LINE_BAD : LINE_MORE;
	if (!mlen || s[i] != ' ')
		return LINE_BAD;
	t0 = ++i;
	i += ascii__no_ctl_sp_run(s + i, n - i);
	tlen = i - t0;
	if (i == n)
		return complete ? LINE_BAD : LINE_MORE;
	if (!tlen || s[i] != ' ')
		return LINE_BAD;
	i++;
	if (n - i > 8)
		return LINE_BAD;
	r = ref_check_version(s + i, n - i, &minor);
	if (r == LINE_BAD)
		return LINE_BAD;
	if (r == LINE_MORE || n - i < 8)
		return complete ? LINE_BAD : LINE_MORE;
	if (!complete)
		return LINE_MORE;
	msg->method_len =
		ref_copy_cut(msg->method, sizeof(msg->method), s, mlen);
	if (msg->method_len < mlen)
		msg->flags |= HTTP1_F_METHOD_CUT;
	msg->target_len =
		ref_copy_cut(msg->target, sizeof(msg->target), s + t0, tlen);
	if (msg->target_len < tlen)
		msg->flags |= HTTP1_F_TARGET_CUT;
	msg->version_minor = minor;
	return LINE_OK;
}

static enum line_res ref_status_line(const uint8_t *s, size_t n, bool complete,
				     struct http1_msg *msg)
{
	uint8_t minor = 0;
	enum line_res r;
	size_t i;

	r = ref_check_version(s, n, &minor);
	if (r == LINE_BAD)
		return LINE_BAD;
	if (r == LINE_MORE || n < 9)
		return complete ? LINE_BAD : LINE_MORE;
	if (s[8] != ' ')
		return LINE_BAD;
	for (i = 9; i < 12 && i < n; i++)
		if (!ascii__is_digit(s[i]))
			return LINE_BAD;
	if (i < 12)
		return complete ? LINE_BAD : LINE_MORE;
	if (s[9] == '0')
		return LINE_BAD;
	if (n > 12 && s[12] != ' ')
		return LINE_BAD;
	for (i = 13; i < n; i++)
		if (!is_field_char(s[i]))
			return LINE_BAD;
	if (!complete)
		return LINE_MORE;
	msg->version_minor = minor;
	msg->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
	return LINE_OK;
}

static enum line_res ref_start_line(const uint8_t *buf, size_t lim,
				    enum http1_kind kind, struct http1_msg *msg,
				    size_t *ret_next)
{
	const uint8_t *nl = find_lf(buf, lim, lim);
	size_t p = nl ? (size_t)(nl - buf) + 1 : lim;
	size_t n = line_content(buf, nl ? p - 1 : lim);

	*ret_next = p;
	if (kind == HTTP1_REQUEST)
		return ref_request_line(buf, n, nl != NULL, msg);
	return ref_status_line(buf, n, nl != NULL, msg);
}

static struct http1_msg want_msg, got_msg;
static unsigned long n_ok;

/*
 * The same message: all before the strings, and the strings up to their
 * NULs (what comes after one is not part of it).
 */
static bool same_msg(const struct http1_msg *a, const struct http1_msg *b)
{
	return !memcmp(a, b, offsetof(struct http1_msg, method)) &&
	       !strcmp(a->method, b->method) && !strcmp(a->target, b->target) &&
	       !strcmp(a->host, b->host) &&
	       !strcmp(a->user_agent, b->user_agent) &&
	       !strcmp(a->traceparent, b->traceparent) &&
	       !strcmp(a->tracestate, b->tracestate);
}

/* Both ways on buf[0..len), as a request and as a response. */
static void check_both(const uint8_t *buf, size_t len)
{
	uint8_t *b = malloc(len ? len : 1);

	memcpy(b, buf, len);
	for (int k = 0; k < 2; k++) {
		enum http1_kind kind = k ? HTTP1_RESPONSE : HTTP1_REQUEST;
		size_t want_next = 0, got_next = 0;
		enum line_res want, got;

		memset(&want_msg, 0, sizeof(want_msg));
		memset(&got_msg, 0, sizeof(got_msg));
		want = ref_start_line(b, len, kind, &want_msg, &want_next);
		got = http1_start_line(b, len, kind, &got_msg, &got_next);
		if (got != want || (want == LINE_OK && got_next != want_next) ||
		    !same_msg(&got_msg, &want_msg)) {
			test__fail(__FILE__, __LINE__,
				   "kind %d, \"%.*s\" (%zu bytes): %d, next %zu"
				   " != %d, next %zu",
				   (int)kind, (int)len, (const char *)buf, len,
				   (int)got, got_next, (int)want, want_next);
			break;
		}
		n_ok += want == LINE_OK;
	}
	free(b);
}

/*
 * Of a long line, the cuts around each end and around the changed byte
 * only: every cut of every line takes too long.
 */
static bool cut_near(size_t n, size_t pos, size_t len)
{
	return n <= 64 || len <= 16 || len + 16 >= n || len == pos ||
	       len == pos + 1 || len == pos + 2;
}

/* Every byte value at every position of line, with the cuts above */
static void check_bytes(const char *line)
{
	test__sweep_bytes(line, check_both, cut_near);
}

static const char *const lines[] = {
	"GET /index.html HTTP/1.1\r\n",
	"GET /index.html HTTP/1.1\r\nHost: a\r\n\r\n",
	"POST /a?b=c HTTP/1.0\n\n",
	"M / HTTP/1.1\r\n",
	"HTTP/1.1 200 OK\r\n",
	"HTTP/1.1 200 OK\r\nServer: x\r\n\r\n",
	"HTTP/1.0 404 Not\tFound \xc3\xa9\n\n",
	"HTTP/1.1 204 \r\n",
	"HTTP/1.1 101\r\n",
	"HTTP/1.1 100 Continue, a reason longer than a vector\r\n\r\n",
	"GET /a/target/longer/than/two/vectors/of/sixteen/bytes HTTP/1.1\r\n",
};

TEST(http1_start_line_is_the_old_check_on_every_byte)
{
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		check_bytes(lines[i]);
		if (test__failed())
			return;
	}
	ASSERT_TRUE(n_ok > 0);
}

/* Methods around the sane bound and the field, targets around theirs. */
TEST(http1_start_line_is_the_old_check_on_long_tokens)
{
	size_t mls[] = {1, 30, 31, 32, 33, 63, 64, 65, 66, 100};
	size_t tls[] = {1, 15, 16, 17, 510, 511, 512, 513, 2000};
	static char buf[4096];

	for (size_t a = 0; a < sizeof(mls) / sizeof(mls[0]); a++) {
		for (size_t b = 0; b < sizeof(tls) / sizeof(tls[0]); b++) {
			size_t n = 0;

			memset(buf, 'M', mls[a]);
			n += mls[a];
			buf[n++] = ' ';
			memset(buf + n, 't', tls[b]);
			n += tls[b];
			n += (size_t)sprintf(buf + n, " HTTP/1.1\r\nX: y\r\n");
			for (size_t len = 0; len <= n; len++) {
				check_both((const uint8_t *)buf, len);
				if (test__failed())
					return;
			}
		}
	}
}

/* What random lines are made of: bytes that matter to start lines. */
static const char *const parts[] = {
	"GET",
	"HTTP/1.",
	"HTTP/1.1",
	"HTTP/1.0",
	" ",
	"  ",
	"\r",
	"\n",
	"\r\n",
	"\t",
	"/",
	"200",
	"0",
	"1",
	"9",
	"OK",
	"\x7f",
	"\x80",
	"\0",
	"a:",
	"-",
	"/x/yz",
	"abcdefghijklmnopq",
};

/* Lines from bytes that matter to them, random in kind and length. */
TEST(http1_start_line_is_the_old_check_on_random_lines)
{
	unsigned int seed = 1;
	uint8_t buf[96];

	for (int iter = 0; iter < 300000; iter++) {
		size_t n = 0, want = rand_r(&seed) % sizeof(buf);

		if (rand_r(&seed) % 2) {
			const char *pre = iter % 3 ? "HTTP/1.1 2" : "GET /x ";

			n = strlen(pre);
			memcpy(buf, pre, n);
		}
		n = test__append_parts(buf, n, want, parts,
				       sizeof(parts) / sizeof(parts[0]), &seed);
		check_both(buf, n);
		if (test__failed())
			return;
	}
}

// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * One line per span in fixed-width columns:
 *
 *   12:04:31.207 checkout         SRV GET     /api/cart/42  200  12.3ms 10.0.0.7:5123
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "output/format.h"
#include "span/semconv.h"

#define COL_SERVICE 16
#define COL_METHOD 7
#define COL_PATH 40
#define COL_STATUS 3
#define COL_DURATION 8
#define COL_PEER 48

#define COLOR_RED "\033[31m"
#define COLOR_YELLOW "\033[33m"
#define COLOR_RESET "\033[0m"

static void pretty_time(FILE *f, uint64_t ns)
{
	time_t secs = ns / 1000000000ull;
	struct tm tm;

	if (!localtime_r(&secs, &tm)) {
		fputs("--:--:--.---", f);
		return;
	}
	fprintf(f, "%02d:%02d:%02d.%03u", tm.tm_hour, tm.tm_min, tm.tm_sec,
		(unsigned int)(ns / 1000000ull % 1000));
}

static void pretty_str_attr(FILE *f, const struct span *s, const char *key,
			    const char *fallback, size_t width)
{
	size_t len;
	const char *v = span__attr_str(s, key, &len);

	if (!v || !len) {
		v = fallback;
		len = strlen(fallback);
	}
	format__cell(f, v, len, width, true);
}

/* The last column, so not padded: "addr:port", "[v6addr]:port" or "-". */
static void pretty_peer(FILE *f, const struct span *s)
{
	const struct span_attr *port = span__attr(s, SC_NETWORK_PEER_PORT);
	char buf[128], cell[COL_PEER * 4 + 1];
	const char *addr;
	size_t alen, n;
	int len;

	addr = span__attr_str(s, SC_NETWORK_PEER_ADDRESS, &alen);
	if (!addr || !alen) {
		fputc('-', f);
		return;
	}
	if (alen > 64)
		alen = 64;
	if (!port || port->type != SPAN_ATTR_INT)
		len = snprintf(buf, sizeof(buf), "%.*s", (int)alen, addr);
	else if (memchr(addr, ':', alen))
		len = snprintf(buf, sizeof(buf), "[%.*s]:%" PRId64, (int)alen,
			       addr, port->i);
	else
		len = snprintf(buf, sizeof(buf), "%.*s:%" PRId64, (int)alen,
			       addr, port->i);
	if (len < 0)
		return;
	if ((size_t)len >= sizeof(buf))
		len = sizeof(buf) - 1;
	n = format__term(cell, sizeof(cell), buf, len, COL_PEER, NULL);
	fwrite(cell, 1, n, f);
}

int output_pretty__span(FILE *f, const struct span *s, bool color)
{
	const struct span_attr *code;
	const char *col = NULL;
	char dur[FORMAT_DURATION_MAX];
	char status[24];
	size_t n;

	errno = 0;
	code = span__attr(s, SC_HTTP_RESPONSE_STATUS_CODE);
	pretty_time(f, s->start_ns);
	fputc(' ', f);
	format__cell(f, s->service_name,
		     strnlen(s->service_name, sizeof(s->service_name)),
		     COL_SERVICE, true);
	fputc(' ', f);
	fputs(format__kind(s->kind, true), f);
	fputc(' ', f);
	pretty_str_attr(f, s, SC_HTTP_REQUEST_METHOD, "-", COL_METHOD);
	fputc(' ', f);
	/* without a URL path (not HTTP), the span name says what it was */
	pretty_str_attr(f, s, SC_URL_PATH,
			s->name[0] ? s->name : "-", COL_PATH);
	fputc(' ', f);

	if (code && code->type == SPAN_ATTR_INT) {
		snprintf(status, sizeof(status), "%" PRId64, code->i);
		if (code->i >= 500 && code->i <= 599)
			col = COLOR_RED;
		else if (code->i >= 400 && code->i <= 499)
			col = COLOR_YELLOW;
	} else {
		strcpy(status, "-");
		if (s->status == SPAN_STATUS_ERROR)
			col = COLOR_RED;
	}
	if (color && col)
		fputs(col, f);
	format__cell(f, status, strlen(status), COL_STATUS, false);
	if (color && col)
		fputs(COLOR_RESET, f);
	fputc(' ', f);

	n = format__duration(dur, sizeof(dur), format__span_duration(s));
	format__cell(f, dur, n, COL_DURATION, false);
	fputc(' ', f);
	pretty_peer(f, s);
	fputc('\n', f);
	return format__flush(f);
}

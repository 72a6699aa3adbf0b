// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * HTTP/1 heads: start lines and header fields, see http1.h. The body
 * framing that follows a head is in http1.c.
 *
 * The head parser validates line by line and also checks the incomplete
 * last line as far as it goes, so garbage is rejected when first seen or
 * at the latest when its line ends, instead of being held until
 * HTTP1_HEAD_MAX bytes have piled up.
 */
#include <stddef.h>
#include <string.h>

#include "proto/http1.h"
#include "proto/http1_internal.h"
#include "util/ascii.h"

/* Longest method we still believe is one (kept cut beyond the field). */
#define HTTP1_METHOD_SANE 64
/* Resync looks this far into a candidate start line to judge it. */
#define HTTP1_RESYNC_PEEK 256

static const char *const http1_methods[] = {
	"GET",	   "POST",  "PUT",     "DELETE", "HEAD",
	"OPTIONS", "PATCH", "CONNECT", "TRACE",
};

/*
 * a[0..n) equals b[0..bn), ASCII case aside, where b is lowercase letters,
 * digits and '-' (a literal) and a a field's name or part of its value:
 * tchars, or no control byte but HTAB. Then setting bit 0x20 of a's bytes
 * is all the lowercasing needed: it makes b's byte of a letter's two
 * cases only, and of a digit or '-' besides itself only of a control byte
 * (HTAB becomes ')'). Every field name is compared with one or two
 * literals: a word at a time, the last word overlapping the one before;
 * from four bytes to seven, two such halves of a word (a byte at a time,
 * "host" cost some 25 instructions a request).
 */
static inline bool mem_ieq_n(const uint8_t *a, size_t n, const char *b,
			     size_t bn)
{
	const uint64_t case_bits = 0x2020202020202020ull;
	uint64_t wa, wb;
	size_t i;

	if (n != bn)
		return false;
	if (n < 4) {
		for (i = 0; i < n; i++)
			if ((a[i] | 0x20) != (uint8_t)b[i])
				return false;
		return true;
	}
	if (n < 8) {
		uint32_t a0, a1, b0, b1;

		memcpy(&a0, a, 4);
		memcpy(&a1, a + n - 4, 4);
		memcpy(&b0, b, 4);
		memcpy(&b1, b + n - 4, 4);
		return (a0 | 0x20202020u) == b0 && (a1 | 0x20202020u) == b1;
	}
	for (i = 0;; i += 8) {
		if (i + 8 > n)
			i = n - 8;
		memcpy(&wa, a + i, 8);
		memcpy(&wb, b + i, 8);
		if ((wa | case_bits) != wb)
			return false;
		if (i + 8 == n)
			return true;
	}
}

#define mem_ieq(a, n, lit) mem_ieq_n(a, n, lit, sizeof(lit) - 1)

/*
 * Copy n bytes NUL-terminated into dst[size], cut to fit. Returns the
 * length kept: less than n when cut.
 */
static size_t copy_cut(char *dst, size_t size, const uint8_t *src, size_t n)
{
	if (n > size - 1)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return n;
}

/*
 * Compare s[0..n) with the literal lit: LINE_OK when equal, LINE_MORE when
 * s is a proper prefix of it, LINE_BAD otherwise.
 */
static inline enum line_res match_lit(const uint8_t *s, size_t n,
				      const char *lit)
{
	size_t l = strlen(lit);

	/*
	 * Nearly always all of lit is there: then, with a literal lit, the
	 * compare has a constant length and is done inline.
	 */
	if (n >= l)
		return memcmp(s, lit, l) ? LINE_BAD : LINE_OK;
	return memcmp(s, lit, n) ? LINE_BAD : LINE_MORE;
}

/* "HTTP/1.0" or "HTTP/1.1", possibly incomplete. */
static enum line_res check_version(const uint8_t *s, size_t n,
				   uint8_t *ret_minor)
{
	enum line_res r = match_lit(s, n, "HTTP/1.");

	if (r != LINE_OK)
		return r;
	if (n == 7)
		return LINE_MORE;
	if (s[7] != '0' && s[7] != '1')
		return LINE_BAD;
	*ret_minor = s[7] - '0';
	return LINE_OK;
}

/*
 * request-line = method SP request-target SP HTTP-version. When complete
 * is false the line may continue past n. msg may be NULL (just judge).
 */
static enum line_res check_request_line(const uint8_t *s, size_t n,
					bool complete, struct http1_msg *msg)
{
	size_t i = 0, mlen, t0, tlen;
	uint8_t minor = 0;
	enum line_res r;

	while (i < n && ascii__is_tchar(s[i]))
		i++;
	mlen = i;
	if (mlen > HTTP1_METHOD_SANE)
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
	r = check_version(s + i, n - i, &minor);
	if (r == LINE_BAD)
		return LINE_BAD;
	if (r == LINE_MORE || n - i < 8)
		return complete ? LINE_BAD : LINE_MORE;
	if (!complete)
		return LINE_MORE;
	if (msg) {
		msg->method_len =
			copy_cut(msg->method, sizeof(msg->method), s, mlen);
		if (msg->method_len < mlen)
			msg->flags |= HTTP1_F_METHOD_CUT;
		msg->target_len = copy_cut(msg->target, sizeof(msg->target),
					   s + t0, tlen);
		if (msg->target_len < tlen)
			msg->flags |= HTTP1_F_TARGET_CUT;
		msg->version_minor = minor;
	}
	return LINE_OK;
}

/* status-line = HTTP-version SP 3DIGIT [SP reason-phrase] */
static enum line_res check_status_line(const uint8_t *s, size_t n,
				       bool complete, struct http1_msg *msg)
{
	uint8_t minor = 0;
	enum line_res r;
	size_t i;

	r = check_version(s, n, &minor);
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
	/* Servers that send no reason often drop its SP too. */
	if (n > 12 && s[12] != ' ')
		return LINE_BAD;
	i = 13;
	if (n > i)
		i += ascii__no_ctl_run(s + i, n - i);
	for (; i < n; i++)
		if (!is_field_char(s[i]))
			return LINE_BAD;
	if (!complete)
		return LINE_MORE;
	if (msg) {
		msg->version_minor = minor;
		msg->status =
			(s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
	}
	return LINE_OK;
}

/*
 * The start line as nearly every head has it, complete within lim bytes:
 * found and judged in one pass, where finding its LF first (memchr) read
 * it twice. Returns its length with its CRLF or LF, or 0 for any other
 * line, left to check_request_line() or check_status_line(): they take
 * every line taken here, with the same method, target, version and
 * status.
 */
static inline size_t quick_request_line(const uint8_t *s, size_t lim,
					struct http1_msg *msg)
{
	size_t i = 0, t0, tlen, mlen;
#ifdef __SSE2__
	unsigned int m;
	__m128i x;

	/*
	 * A method of letters (every common one), its SP and nearly always
	 * the target's SP are in the first vector: one load, where a byte
	 * loop on the method and a scan of the target from its start took
	 * some 30 instructions more. Other methods, and lines shorter than
	 * a vector, are left to the check.
	 */
	if (lim < 16)
		return 0;
	x = _mm_loadu_si128((const __m128i *)s);
	mlen = (size_t)__builtin_ctz(ascii__v_not_alpha_dash(x) | 0x10000);
	if (!mlen || mlen == 16 || s[mlen] != ' ')
		return 0;
	t0 = i = mlen + 1;
	m = ascii__v_below_or_del(x, 0x21) >> t0;
	if (m)
		i += (size_t)__builtin_ctz(m);
	else
		i = 16 + ascii__no_ctl_sp_run(s + 16, lim - 16);
#else
	while (i < lim && i <= HTTP1_METHOD_SANE && ascii__tchar[s[i]])
		i++;
	mlen = i;
	if (!mlen || mlen > HTTP1_METHOD_SANE || i == lim || s[i] != ' ')
		return 0;
	t0 = ++i;
	i += ascii__no_ctl_sp_run(s + i, lim - i);
#endif
	tlen = i - t0;
	/* SP "HTTP/1.x" and CR LF or LF */
	if (!tlen || lim - i < 10 || s[i] != ' ' ||
	    memcmp(s + i + 1, "HTTP/1.", 7) ||
	    (s[i + 8] != '0' && s[i + 8] != '1'))
		return 0;
	if (s[i + 9] == '\n') {
		i += 10;
	} else if (s[i + 9] == '\r' && lim - i > 10 && s[i + 10] == '\n') {
		i += 11;
	} else {
		return 0;
	}
	/*
	 * A short method and target are copied a word or two whole, then
	 * cut by their NUL, where copy_cut() branched on their lengths; the
	 * bytes after a NUL are never read (see http1_msg__clear()). The
	 * line has twelve bytes after the method: eight can be read at s.
	 */
	if (mlen < 8) {
		memcpy(msg->method, s, 8);
		msg->method[mlen] = '\0';
		msg->method_len = mlen;
	} else {
		msg->method_len =
			copy_cut(msg->method, sizeof(msg->method), s, mlen);
		if (msg->method_len < mlen)
			msg->flags |= HTTP1_F_METHOD_CUT;
	}
	if (tlen < 16 && lim - t0 >= 16) {
		memcpy(msg->target, s + t0, 16);
		msg->target[tlen] = '\0';
		msg->target_len = tlen;
	} else {
		msg->target_len = copy_cut(msg->target, sizeof(msg->target),
					   s + t0, tlen);
		if (msg->target_len < tlen)
			msg->flags |= HTTP1_F_TARGET_CUT;
	}
	msg->version_minor = s[t0 + tlen + 8] - '0';
	return i;
}

static inline size_t quick_status_line(const uint8_t *s, size_t lim,
				       struct http1_msg *msg)
{
	size_t i = 13;

	/* "HTTP/1.x 3DIGIT SP", the first digit not 0 */
	if (lim <= i || memcmp(s, "HTTP/1.", 7) ||
	    (s[7] != '0' && s[7] != '1') || s[8] != ' ' || s[9] < '1' ||
	    s[9] > '9' || !ascii__is_digit(s[10]) || !ascii__is_digit(s[11]) ||
	    s[12] != ' ')
		return 0;
	/* the reason: to the first control byte but HTAB */
	for (;;) {
		i += ascii__no_ctl_run(s + i, lim - i);
		if (i == lim)
			return 0;
		if (s[i] != '\t')
			break;
		i++;
	}
	if (s[i] == '\n')
		i++;
	else if (s[i] == '\r' && i + 1 < lim && s[i + 1] == '\n')
		i += 2;
	else
		return 0;
	msg->version_minor = s[7] - '0';
	msg->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
	return i;
}

/*
 * The start line of a head in buf[0..lim): LINE_OK with its length, line
 * end included, in *ret_next and what it says in msg; LINE_MORE while it
 * may yet turn out fine; LINE_BAD. Inline in the head parser, where its
 * call and the registers it saved cost some 30 instructions a head.
 */
static inline __attribute__((always_inline)) enum line_res
start_line(const uint8_t *buf, size_t lim, enum http1_kind kind,
	   struct http1_msg *msg, size_t *ret_next)
{
	const uint8_t *nl;
	enum line_res r;
	size_t p, n;

	p = kind == HTTP1_REQUEST ? quick_request_line(buf, lim, msg)
				  : quick_status_line(buf, lim, msg);
	if (p) {
		*ret_next = p;
		return LINE_OK;
	}
	nl = find_lf(buf, lim, lim);
	p = nl ? (size_t)(nl - buf) + 1 : lim;
	/* a CR is only allowed right before the LF */
	n = line_content(buf, nl ? p - 1 : lim);
	if (kind == HTTP1_REQUEST)
		r = check_request_line(buf, n, nl != NULL, msg);
	else
		r = check_status_line(buf, n, nl != NULL, msg);
	*ret_next = p;
	return r;
}

enum line_res http1_start_line(const uint8_t *buf, size_t lim,
			       enum http1_kind kind, struct http1_msg *msg,
			       size_t *ret_next)
{
	return start_line(buf, lim, kind, msg, ret_next);
}

/*
 * A head's field line at s, avail bytes there: validated and its end found
 * in one pass (every field line of every message comes here; finding the
 * LF first read each value twice). *ret_colon: the name's length; *ret_n:
 * the content's, before CRLF or LF; *ret_next: the whole line's. A byte at
 * a time, or a word at a time for values: for buffers too short for the
 * vectors below, and without SSE2.
 */
static inline __attribute__((always_inline)) enum line_res
scan_field_line_short(const uint8_t *s, size_t avail, size_t *ret_colon,
		      size_t *ret_n, size_t *ret_next)
{
	size_t i = ascii__token_run(s, avail);

	if (i == avail)
		return LINE_MORE;
	if (!i || s[i] != ':')
		return LINE_BAD;
	*ret_colon = i++;
	/* a word at a time to the first control byte; HTAB is not an end */
	for (;;) {
		i += ascii__no_ctl_run(s + i, avail - i);
		if (i == avail)
			return LINE_MORE;
		if (s[i] != '\t')
			break;
		i++;
	}
	*ret_n = i;
	if (s[i] == '\n') {
		*ret_next = i + 1;
		return LINE_OK;
	}
	/* a CR is only allowed right before the LF */
	if (s[i] != '\r')
		return LINE_BAD;
	if (i + 1 == avail)
		return LINE_MORE;
	if (s[i + 1] != '\n')
		return LINE_BAD;
	*ret_next = i + 2;
	return LINE_OK;
}

#ifdef __SSE2__
/*
 * The last sixteen of avail (at least 16) bytes at s, as a mask by
 * class(), shifted so that bit k is s[i + k]: the end of the buffer
 * without reading past it. No bits are set past the end. The shift is
 * taken between pointers: taken from avail, gcc worked out 16 - avail
 * for every line in case the line needed it.
 */
static inline unsigned int tail_mask(const uint8_t *s, size_t avail, size_t i,
				     unsigned int (*class)(__m128i))
{
	const uint8_t *last = s + avail - 16;
	__m128i x = _mm_loadu_si128((const __m128i *)last);

	return class(x) >> ((s + i) - last);
}

/*
 * scan_field_line_short() sixteen bytes at a time: to the first byte of
 * the name that is not a letter or '-' (nearly always the colon; a digit
 * is rare enough in names to be looked at by itself, and the vectors go
 * on after it), then from the colon to the first control byte but HTAB.
 * The value's vectors start after the colon rather than going on from
 * the name's: fewer of them, as most lines are longer than a vector.
 */
static inline __attribute__((always_inline)) enum line_res
scan_field_line(const uint8_t *s, size_t avail, size_t *ret_colon,
		size_t *ret_n, size_t *ret_next)
{
	unsigned int m;
	size_t i = 0;

	if (avail < 16)
		return scan_field_line_short(s, avail, ret_colon, ret_n,
					     ret_next);
	/* the name: tchars up to the colon; the first vector is all there */
	m = ascii__v_not_alpha_dash(_mm_loadu_si128((const __m128i *)s));
	for (;;) {
		if (m) {
			i += (size_t)__builtin_ctz(m);
			if (s[i] == ':')
				break;
			if (!ascii__tchar[s[i]])
				return LINE_BAD;
			i++;
		} else {
			i += 16;
			if (i >= avail)
				return LINE_MORE;
		}
		if (i + 16 <= avail) {
			m = ascii__v_not_alpha_dash(
				_mm_loadu_si128((const __m128i *)(s + i)));
		} else {
			if (i == avail)
				return LINE_MORE;
			m = tail_mask(s, avail, i, ascii__v_not_alpha_dash);
		}
	}
	if (!i)
		return LINE_BAD;
	*ret_colon = i++;
	/*
	 * The value: to the first control byte but HTAB. The vectors stop
	 * at an HTAB too, which takes three instructions less each; one is
	 * rare, and looked past only when the CRLF that nearly always ends
	 * the value is not what they stopped at.
	 */
	for (;;) {
		for (;; i += 16) {
			if (i + 16 <= avail) {
				m = ascii__v_ctl(_mm_loadu_si128(
					(const __m128i *)(s + i)));
			} else {
				if (i >= avail)
					return LINE_MORE;
				m = tail_mask(s, avail, i, ascii__v_ctl);
				if (!m)
					return LINE_MORE;
			}
			if (m)
				break;
		}
		i += (size_t)__builtin_ctz(m);
		/* nearly always CRLF, both bytes at once */
		if (i + 1 < avail && !memcmp(s + i, "\r\n", 2)) {
			*ret_n = i;
			*ret_next = i + 2;
			return LINE_OK;
		}
		if (s[i] != '\t')
			break;
		i++;
	}
	*ret_n = i;
	/* a CR is only allowed right before the LF */
	if (s[i] == '\r') {
		if (i + 1 == avail)
			return LINE_MORE;
		if (s[i + 1] != '\n')
			return LINE_BAD;
		*ret_next = i + 2;
		return LINE_OK;
	}
	if (s[i] != '\n')
		return LINE_BAD;
	*ret_next = i + 1;
	return LINE_OK;
}
#else
#define scan_field_line scan_field_line_short
#endif

/*
 * For the unit test. With this second caller gcc no longer inlined the
 * scans in the head parser by itself, and the call was 30 instructions a
 * head: hence always_inline on both.
 */
enum line_res http1_scan_field_line(const uint8_t *s, size_t avail,
				    size_t *ret_colon, size_t *ret_n,
				    size_t *ret_next)
{
	return scan_field_line(s, avail, ret_colon, ret_n, ret_next);
}

/*
 * field-line = field-name ":" OWS field-value OWS, its end already found
 * (trailers). A line starting with whitespace is obs-fold, which we refuse.
 * Returns the name length in *ret_colon.
 */
enum line_res http1_check_field_line(const uint8_t *s, size_t n, bool complete,
				     size_t *ret_colon)
{
	size_t i = ascii__token_run(s, n);

	if (i == n)
		return complete ? LINE_BAD : LINE_MORE;
	if (!i || s[i] != ':')
		return LINE_BAD;
	*ret_colon = i;
	i++;
	for (i += ascii__no_ctl_run(s + i, n - i); i < n; i++)
		if (!is_field_char(s[i]))
			return LINE_BAD;
	return complete ? LINE_OK : LINE_MORE;
}

/* What the head's fields said about framing, gathered line by line. */
struct head_fields {
	bool has_cl;
	bool has_te;
	bool te_chunked_last;
	bool keep_alive;
	bool close;
	uint64_t cl;
};

/*
 * Split a comma list of elements, calling fn on each trimmed element.
 * Inline, so each caller's fn is inlined in it, and with it mem_ieq and
 * its literal: called through a pointer, Connection: keep-alive cost 180
 * instructions a response.
 */
typedef bool (*elem_fn)(struct head_fields *hf, const uint8_t *e, size_t n);

static inline bool for_each_elem(struct head_fields *hf, const uint8_t *v,
				 size_t n, elem_fn fn)
{
	size_t i = 0;

	while (i <= n) {
		size_t a = i, b;

		while (i < n && v[i] != ',')
			i++;
		b = i;
		while (a < b && ascii__is_ows(v[a]))
			a++;
		while (b > a && ascii__is_ows(v[b - 1]))
			b--;
		if (!fn(hf, v + a, b - a))
			return false;
		i++;
	}
	return true;
}

static inline bool cl_elem(struct head_fields *hf, const uint8_t *e, size_t n)
{
	uint64_t v = 0;
	size_t i;

	if (!n)
		return false;
	for (i = 0; i < n; i++) {
		unsigned int d;

		if (!ascii__is_digit(e[i]))
			return false;
		d = e[i] - '0';
		/*
		 * v * 10 + d > limit, without a division per digit: past
		 * limit / 10 it is, below it the sum cannot wrap.
		 */
		if (v > HTTP1_LENGTH_LIMIT / 10 ||
		    v * 10 + d > HTTP1_LENGTH_LIMIT)
			return false;
		v = v * 10 + d;
	}
	if (hf->has_cl && hf->cl != v)
		return false;
	hf->has_cl = true;
	hf->cl = v;
	return true;
}

static bool te_elem(struct head_fields *hf, const uint8_t *e, size_t n)
{
	size_t i = 0;

	if (!n)
		return true; /* empty list elements are allowed */
	/* a transfer-coding may carry parameters: only its name matters */
	while (i < n && e[i] != ';' && !ascii__is_ows(e[i]))
		i++;
	hf->has_te = true;
	hf->te_chunked_last = mem_ieq(e, i, "chunked");
	return true;
}

/* Whether e is one of the Connection options that matter, then noted. */
static inline bool conn_option(struct head_fields *hf, const uint8_t *e,
			       size_t n)
{
	if (mem_ieq(e, n, "close"))
		hf->close = true;
	else if (mem_ieq(e, n, "keep-alive"))
		hf->keep_alive = true;
	else
		return false;
	return true;
}

static bool conn_elem(struct head_fields *hf, const uint8_t *e, size_t n)
{
	conn_option(hf, e, n);
	return true;
}

static void trim_ows(const uint8_t **v, size_t *n)
{
	while (*n && ascii__is_ows((*v)[0])) {
		(*v)++;
		(*n)--;
	}
	while (*n && ascii__is_ows((*v)[*n - 1]))
		(*n)--;
}

/* The header fields a head parse keeps something from. */
enum field {
	FIELD_OTHER = 0,
	FIELD_HOST,
	FIELD_USER_AGENT,
	FIELD_TRACEPARENT,
	FIELD_TRACESTATE,
	FIELD_CONTENT_LENGTH,
	FIELD_TRANSFER_ENCODING,
	FIELD_CONNECTION,
	FIELD_EXPECT,
};

/*
 * Which field a name is. Every field line of every message comes here, so
 * the length picks the one or two names worth comparing.
 */
static enum field field_of(const uint8_t *s, size_t n)
{
	switch (n) {
	case 4:
		return mem_ieq(s, n, "host") ? FIELD_HOST : FIELD_OTHER;
	case 6:
		return mem_ieq(s, n, "expect") ? FIELD_EXPECT : FIELD_OTHER;
	case 10:
		if (mem_ieq(s, n, "connection"))
			return FIELD_CONNECTION;
		if (mem_ieq(s, n, "user-agent"))
			return FIELD_USER_AGENT;
		return mem_ieq(s, n, "tracestate") ? FIELD_TRACESTATE :
						     FIELD_OTHER;
	case 11:
		return mem_ieq(s, n, "traceparent") ? FIELD_TRACEPARENT :
						      FIELD_OTHER;
	case 14:
		return mem_ieq(s, n, "content-length") ? FIELD_CONTENT_LENGTH :
							 FIELD_OTHER;
	case 17:
		return mem_ieq(s, n, "transfer-encoding") ?
			       FIELD_TRANSFER_ENCODING :
			       FIELD_OTHER;
	default:
		return FIELD_OTHER;
	}
}

static void take_tracestate(struct http1_msg *msg, const uint8_t *v, size_t vn)
{
	size_t have = strlen(msg->tracestate);
	size_t room = sizeof(msg->tracestate) - have;

	/* several lines are one list (RFC 9110 5.3) */
	if (vn && have && room > 1) {
		msg->tracestate[have++] = ',';
		msg->tracestate[have] = '\0';
		room--;
	}
	if (vn &&
	    (room <= 1 || copy_cut(msg->tracestate + have, room, v, vn) < vn))
		msg->flags |= HTTP1_F_TRACESTATE_CUT;
}

/*
 * Take what we keep from one complete field line. False when the line
 * makes the head invalid (only Content-Length can).
 */
static bool head_field(struct http1_msg *msg, struct head_fields *hf,
		       const uint8_t *s, size_t n, size_t colon)
{
	enum field f = field_of(s, colon);
	const uint8_t *v = s + colon + 1;
	size_t vn = n - colon - 1;

	if (f == FIELD_OTHER)
		return true;
	trim_ows(&v, &vn);
	switch (f) {
	case FIELD_HOST:
		if (!msg->host[0])
			msg->host_len =
				copy_cut(msg->host, sizeof(msg->host), v, vn);
		break;
	case FIELD_USER_AGENT:
		if (!msg->user_agent[0])
			copy_cut(msg->user_agent, sizeof(msg->user_agent), v,
				 vn);
		break;
	case FIELD_TRACEPARENT:
		if (!msg->n_traceparent)
			copy_cut(msg->traceparent, sizeof(msg->traceparent), v,
				 vn);
		if (msg->n_traceparent < UINT8_MAX)
			msg->n_traceparent++;
		break;
	case FIELD_TRACESTATE:
		take_tracestate(msg, v, vn);
		break;
	case FIELD_CONTENT_LENGTH:
		/*
		 * Nearly always one number: cl_elem takes the whole value
		 * or, at the first byte that is not a digit, leaves hf as
		 * it was for the list walk.
		 */
		return cl_elem(hf, v, vn) || for_each_elem(hf, v, vn, cl_elem);
	case FIELD_TRANSFER_ENCODING:
		for_each_elem(hf, v, vn, te_elem);
		break;
	case FIELD_CONNECTION:
		/* a single option, as nearly always: no comma to look for */
		if (!conn_option(hf, v, vn))
			for_each_elem(hf, v, vn, conn_elem);
		break;
	case FIELD_EXPECT:
		if (mem_ieq(v, vn, "100-continue"))
			msg->flags |= HTTP1_F_EXPECT_CONTINUE;
		break;
	default:
		break;
	}
	return true;
}

/* Set body framing and connection flags once all fields are in. */
static int head_finish(struct http1_msg *msg, const struct head_fields *hf)
{
	if (hf->has_te) {
		if (!hf->te_chunked_last) {
			/* RFC 9112 6.3: a request can't be framed; a
			 * response runs until close. */
			if (msg->kind == HTTP1_REQUEST)
				return -1;
			msg->body = HTTP1_BODY_UNTIL_CLOSE;
		} else {
			msg->body = HTTP1_BODY_CHUNKED;
		}
		if (hf->has_cl)
			msg->flags |= HTTP1_F_TE_AND_CL;
	} else if (hf->has_cl) {
		msg->body = HTTP1_BODY_LENGTH;
		msg->content_length = hf->cl;
	} else {
		msg->body = msg->kind == HTTP1_RESPONSE ? HTTP1_BODY_UNTIL_CLOSE
							: HTTP1_BODY_NONE;
	}
	if (hf->close || (msg->version_minor == 0 && !hf->keep_alive))
		msg->flags |= HTTP1_F_CONN_CLOSE;
	if (msg->kind == HTTP1_RESPONSE && msg->status == 101)
		msg->flags |= HTTP1_F_UPGRADE;
	return 0;
}

/* What an incomplete or bad line makes of the head. */
static enum parse_result head_stop(enum line_res r, size_t len,
				   enum head_err *err)
{
	if (r == LINE_BAD)
		return PARSE_INVALID;
	if (len >= HTTP1_HEAD_MAX) {
		*err = HEAD_ERR_TOO_LONG;
		return PARSE_INVALID;
	}
	return PARSE_NEED_MORE;
}

enum parse_result http1_parse_head_raw(const uint8_t *buf, size_t len,
				       enum http1_kind kind,
				       struct http1_msg *msg,
				       size_t *ret_head_len, enum head_err *err)
{
	struct head_fields hf = {0};
	size_t p, lim = len < HTTP1_HEAD_MAX ? len : HTTP1_HEAD_MAX;
	unsigned int nfields = 0;
	enum line_res r;
	size_t n, next;

	http1_msg__clear(msg);
	msg->kind = kind;
	*err = HEAD_ERR_SYNTAX;

	r = start_line(buf, lim, kind, msg, &p);
	if (r != LINE_OK)
		return head_stop(r, len, err);

	/*
	 * Line by line with a pointer to the line and one to the end: with
	 * buf, an offset and lim all kept, as before, gcc spilled two of
	 * them and reloaded them for each line.
	 */
	for (const uint8_t *s = buf + p, *end = buf + lim;; s += next) {
		size_t avail = (size_t)(end - s), colon = 0;

		n = 0;
		next = 0;
		r = scan_field_line(s, avail, &colon, &n, &next);
		/*
		 * The empty line that ends the head starts with no tchar:
		 * it is looked for only among the lines refused as fields.
		 */
		if (r == LINE_BAD && s[0] == '\n') {
			p = (size_t)(s - buf) + 1;
			break;
		}
		if (r == LINE_BAD && s[0] == '\r') {
			if (avail > 1 && s[1] == '\n') {
				p = (size_t)(s - buf) + 2;
				break;
			}
			r = avail == 1 ? LINE_MORE : LINE_BAD;
		}
		if (r != LINE_OK)
			return head_stop(r, len, err);
		if (++nfields > HTTP1_MAX_HEADERS) {
			*err = HEAD_ERR_TOO_LONG;
			return PARSE_INVALID;
		}
		if (!head_field(msg, &hf, s, n, colon)) {
			*err = HEAD_ERR_LENGTH;
			return PARSE_INVALID;
		}
	}

	if (head_finish(msg, &hf))
		return PARSE_INVALID;
	msg->head_len = (uint32_t)p;
	*ret_head_len = p;
	return PARSE_OK;
}

enum parse_result http1__parse_head(const uint8_t *buf, size_t len,
				    enum http1_kind kind, struct http1_msg *msg,
				    size_t *ret_head_len)
{
	enum head_err err;
	size_t head_len = 0;
	enum parse_result r;

	r = http1_parse_head_raw(buf, len, kind, msg, &head_len, &err);
	if (r == PARSE_OK && ret_head_len)
		*ret_head_len = head_len;
	return r;
}

/*
 * Could a message of this kind start at s? Judged from a known method (or
 * "HTTP/1.") and the start line as far as HTTP1_RESYNC_PEEK bytes go; a
 * view that ends early counts when it is a prefix of such a start.
 */
bool http1_plausible_start(const uint8_t *s, size_t n, enum http1_kind kind)
{
	const uint8_t *nl;
	bool complete;
	size_t ln;

	if (n > HTTP1_RESYNC_PEEK)
		n = HTTP1_RESYNC_PEEK;
	nl = find_lf(s, n, n);
	complete = nl != NULL;
	ln = line_content(s, complete ? (size_t)(nl - s) : n);

	if (kind == HTTP1_REQUEST) {
		bool known = false;

		for (size_t i = 0;
		     i < sizeof(http1_methods) / sizeof(http1_methods[0]);
		     i++) {
			const char *m = http1_methods[i];
			size_t ml = strlen(m);

			if (match_lit(s, ln < ml ? ln : ml, m) == LINE_BAD)
				continue;
			if (ln <= ml || s[ml] == ' ') {
				known = true;
				break;
			}
		}
		if (!known)
			return false;
		return check_request_line(s, ln, complete, NULL) != LINE_BAD;
	}
	return check_status_line(s, ln, complete, NULL) != LINE_BAD;
}

bool http1__looks_like_request(const uint8_t *buf, size_t len)
{
	const uint8_t *nl;
	size_t i = 0;

	while (i < len && i <= HTTP1_METHOD_SANE && ascii__is_tchar(buf[i]))
		i++;
	/* need the whole method and its SP to decide */
	if (i == len || buf[i] != ' ')
		return false;
	if (http1_plausible_start(buf, len, HTTP1_REQUEST))
		return true;
	/*
	 * Any token is a method, but "WORD " opens many text protocols: an
	 * unknown one needs a whole request line ending in HTTP/1.x.
	 */
	nl = find_lf(buf, len, HTTP1_RESYNC_PEEK);
	if (!nl)
		return false;
	return check_request_line(buf, line_content(buf, (size_t)(nl - buf)),
				  true, NULL) == LINE_OK;
}

bool http1__looks_like_response(const uint8_t *buf, size_t len)
{
	if (len < 9)
		return false;
	return http1_plausible_start(buf, len, HTTP1_RESPONSE);
}

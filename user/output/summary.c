// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The end-of-run table. Durations go into a log-linear histogram per key:
 * values below 32 ns exactly, then 16 buckets per power of two. A bucket
 * spans 1/16 of its lower bound, so its midpoint is within 1/32 (about 3%)
 * of any value in it, at 976 counters per key whatever the traffic.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "output/format.h"
#include "output/output.h"
#include "span/semconv.h"
#include "util/utf8.h"

#define SUB_BITS 4
#define SUB (1u << SUB_BITS)
#define NBUCKETS (SUB + (64 - SUB_BITS) * SUB)
#define TABLE_SIZE 2048 /* a power of two, twice SUMMARY_MAX_KEYS */

#define KEY_SERVICE_MAX SPAN_SERVICE_MAX
#define KEY_METHOD_MAX 32
#define KEY_PATH_MAX 256
#define OTHER_NAME "(other)"

struct summary_row {
	struct summary_row *hnext;
	uint32_t hash;
	uint8_t kind;
	uint16_t len[3]; /* service, method, path */
	char service[KEY_SERVICE_MAX];
	char method[KEY_METHOD_MAX];
	char path[KEY_PATH_MAX];
	uint64_t count;
	uint64_t errors;
	uint64_t min, max;
	uint64_t buckets[NBUCKETS];
};

struct summary {
	struct summary_row *table[TABLE_SIZE];
	struct summary_row *rows[SUMMARY_MAX_KEYS];
	size_t nrows;
	struct summary_row *other;
	/*
	 * The row each kind found last, tried before the hash: spans come
	 * in runs of one route, a server's interleaved with its clients'.
	 */
	struct summary_row *last[2];
};

static unsigned int bucket_of(uint64_t v)
{
	unsigned int e;

	if (v < SUB)
		return v;
	e = 63 - __builtin_clzll(v);
	return SUB + (e - SUB_BITS) * SUB + ((v >> (e - SUB_BITS)) & (SUB - 1));
}

/* The midpoint of bucket b. */
static uint64_t bucket_value(unsigned int b)
{
	unsigned int shift;
	uint64_t low;

	if (b < SUB)
		return b;
	shift = (b - SUB) / SUB;
	low = (uint64_t)(SUB + (b - SUB) % SUB) << shift;
	return low + ((1ull << shift) - 1) / 2;
}

static uint64_t hist_quantile(const uint64_t *buckets, uint64_t count,
			      uint64_t min, uint64_t max, double q)
{
	uint64_t rank, seen = 0, v = max;

	if (!count)
		return 0;
	if (q >= 1.0)
		return max;
	if (q <= 0.0)
		return min;
	rank = (uint64_t)ceil(q * (double)count);
	if (rank < 1)
		rank = 1;
	if (rank > count)
		rank = count;
	for (unsigned int b = 0; b < NBUCKETS; b++) {
		seen += buckets[b];
		if (seen >= rank) {
			v = bucket_value(b);
			break;
		}
	}
	/* the extremes are known exactly: never report past them */
	if (v < min)
		v = min;
	if (v > max)
		v = max;
	return v;
}

/*
 * A row's key: service, method and path, each valid UTF-8 of known length
 * that fits its field. Summing a span looks its row up by these, with no
 * copy made until a row is new.
 */
struct row_key {
	const char *part[3];
	size_t len[3];
	uint8_t kind;
};

/*
 * The last len bytes (1 to 7) of a part as one word, read without passing
 * its end: two overlapping loads, or three bytes that cover it. Equal
 * lengths give equal words only for equal bytes, and the length is hashed
 * too.
 */
static uint64_t key_tail(const char *p, size_t len)
{
	uint32_t lo, hi;

	if (len >= 4) {
		memcpy(&lo, p, 4);
		memcpy(&hi, p + len - 4, 4);
		return lo | (uint64_t)hi << 32;
	}
	return (uint64_t)(unsigned char)p[0] |
	       (uint64_t)(unsigned char)p[len / 2] << 8 |
	       (uint64_t)(unsigned char)p[len - 1] << 16;
}

static uint64_t key_mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0x9e3779b97f4a7c15ull;
	return h ^ (h >> 32);
}

/*
 * Eight bytes a step: byte-at-a-time FNV-1a over the key was most of
 * summing a span. The kind and the three lengths (each under 1 << 16) go
 * first, in one word: they fix where each part ends, so bytes moved from
 * one part to the next change the hash.
 */
static uint32_t key_hash(const struct row_key *k)
{
	uint64_t h, w;

	h = key_mix(0, k->kind | (uint64_t)k->len[0] << 16 |
			       (uint64_t)k->len[1] << 32 |
			       (uint64_t)k->len[2] << 48);
	for (int i = 0; i < 3; i++) {
		const char *p = k->part[i];
		size_t len = k->len[i], j;

		for (j = 0; j + 8 <= len; j += 8) {
			memcpy(&w, p + j, 8);
			h = key_mix(h, w);
		}
		if (j < len)
			h = key_mix(h, key_tail(p + j, len - j));
	}
	return (uint32_t)h;
}

struct summary *summary__new(void)
{
	return calloc(1, sizeof(struct summary));
}

static void key_field(char *dst, uint16_t *ret_len, const char *src, size_t len)
{
	memcpy(dst, src, len);
	dst[len] = '\0';
	*ret_len = len;
}

static struct summary_row *row__new(const struct row_key *k)
{
	struct summary_row *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->kind = k->kind;
	key_field(r->service, &r->len[0], k->part[0], k->len[0]);
	key_field(r->method, &r->len[1], k->part[1], k->len[1]);
	key_field(r->path, &r->len[2], k->part[2], k->len[2]);
	r->min = UINT64_MAX;
	return r;
}

static void row__add(struct summary_row *r, uint64_t ns, bool error)
{
	r->count++;
	if (error)
		r->errors++;
	if (ns < r->min)
		r->min = ns;
	if (ns > r->max)
		r->max = ns;
	r->buckets[bucket_of(ns)]++;
}

/*
 * a[0..n) == b[0..n), inline: the three memcmp calls of a row's match, on
 * a few short words, were a third of summing a span. Loads stay inside
 * both, as key_tail's do.
 */
static inline bool key_bytes_eq(const char *a, const char *b, size_t n)
{
	uint64_t x, y;
	size_t i;

	if (n < 8)
		return !n || key_tail(a, n) == key_tail(b, n);
	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			return false;
	}
	if (i == n)
		return true;
	memcpy(&x, a + n - 8, 8);
	memcpy(&y, b + n - 8, 8);
	return x == y;
}

static bool row__is(const struct summary_row *r, const struct row_key *k)
{
	return r->kind == k->kind && r->len[0] == k->len[0] &&
	       r->len[1] == k->len[1] && r->len[2] == k->len[2] &&
	       key_bytes_eq(r->path, k->part[2], k->len[2]) &&
	       key_bytes_eq(r->method, k->part[1], k->len[1]) &&
	       key_bytes_eq(r->service, k->part[0], k->len[0]);
}

static struct summary_row *summary__find(struct summary *sm,
					 const struct row_key *k)
{
	struct summary_row **last = &sm->last[k->kind == SPAN_KIND_CLIENT];
	struct summary_row *r;
	uint32_t h;

	if (*last && row__is(*last, k))
		return *last;
	h = key_hash(k);
	for (r = sm->table[h & (TABLE_SIZE - 1)]; r; r = r->hnext)
		if (r->hash == h && row__is(r, k))
			return *last = r;

	if (sm->nrows < SUMMARY_MAX_KEYS) {
		r = row__new(k);
		if (!r)
			return NULL;
		r->hash = h;
		r->hnext = sm->table[h & (TABLE_SIZE - 1)];
		sm->table[h & (TABLE_SIZE - 1)] = r;
		sm->rows[sm->nrows++] = r;
		return *last = r;
	}
	if (!sm->other) {
		struct row_key other = {.part = {OTHER_NAME, "", ""},
					.len = {strlen(OTHER_NAME)}};

		sm->other = row__new(&other);
	}
	return sm->other;
}

/*
 * v's first bytes that fit a field of size bytes (NUL included), cut at a
 * character boundary: v is valid UTF-8 already (span__add_str made it so).
 */
static size_t key_cut(const char *v, size_t len, size_t size)
{
	return len < size ? len : utf8__char_start(v, size - 1);
}

/* Attribute a's string, as span__attr_str gives it; a NULL: look key up */
static const char *attr_str_or(const struct span *s, const struct span_attr *a,
			       const char *key, size_t *ret_len)
{
	if (!a)
		return span__attr_str(s, key, ret_len);
	if (a->type != SPAN_ATTR_STR)
		return NULL;
	*ret_len = a->len;
	return s->strbuf + a->off;
}

/*
 * The method and path attributes, in one pass over the span's attributes
 * by the keys' addresses, as span__attr matches first: two calls, each a
 * loop of its own, were a quarter of summing a span. A key not found by
 * address goes to span__attr_str, which matches names too.
 */
static void key_attrs(const struct span *s, const char **ret_method,
		      size_t *ret_mlen, const char **ret_path, size_t *ret_plen)
{
	static const char *const mkey = SC_HTTP_REQUEST_METHOD;
	static const char *const pkey = SC_URL_PATH;
	const struct span_attr *m = NULL, *p = NULL;
	uint16_t n = s->nattrs < SPAN_MAX_ATTRS ? s->nattrs : SPAN_MAX_ATTRS;

	*ret_mlen = *ret_plen = 0;
	for (uint16_t i = 0; i < n && (!m || !p); i++) {
		const struct span_attr *a = &s->attrs[i];

		if (a->key == mkey && !m)
			m = a;
		else if (a->key == pkey && !p)
			p = a;
	}
	*ret_method = attr_str_or(s, m, mkey, ret_mlen);
	*ret_path = attr_str_or(s, p, pkey, ret_plen);
}

/*
 * The span's service name is the row's: its bytes and NUL. Bytes that are
 * a row's key are valid UTF-8, which the repair leaves as they are: they
 * make the same key.
 */
static bool service_is(const char *row, const char *svc, size_t len)
{
	return key_bytes_eq(row, svc, len + 1);
}

/*
 * The span is its kind's last row's, taken without building its key: most
 * spans are, and copying the service name to measure and check it, then
 * matching the key, was most of summing one. Else false, and the whole
 * key decides.
 */
static bool last_row_is(const struct summary_row *r, const struct span *s,
			const char *method, size_t mlen, const char *path,
			size_t plen)
{
	return r && r->kind == s->kind && path && plen && plen < KEY_PATH_MAX &&
	       r->len[2] == plen && mlen < KEY_METHOD_MAX &&
	       r->len[1] == mlen && key_bytes_eq(r->path, path, plen) &&
	       key_bytes_eq(r->method, method, mlen) &&
	       service_is(r->service, s->service_name, r->len[0]);
}

/*
 * The row of a span by its whole key. Out of line: most spans take the
 * last row and need none of the key's buffers.
 */
static __attribute__((noinline)) struct summary_row *
summary__find_span(struct summary *sm, const struct span *s, const char *method,
		   size_t mlen, const char *path, size_t plen)
{
	char service[KEY_SERVICE_MAX], name[KEY_PATH_MAX];
	struct row_key k;
	size_t len;

	k.kind = s->kind;
	k.part[1] = method ? method : "";
	k.len[1] = method ? key_cut(method, mlen, KEY_METHOD_MAX) : 0;
	/*
	 * The service and span names come from processes, not span__add_str.
	 * A service name is nearly always short ASCII, which the inline copy
	 * takes whole; only others need the repair (which starts over).
	 */
	len = strnlen(s->service_name, sizeof(s->service_name));
	k.part[0] = service;
	k.len[0] = len < sizeof(service)
			   ? utf8__copy_ascii(service, s->service_name, len)
			   : 0;
	if (k.len[0] != len)
		k.len[0] = utf8__sanitize(service, sizeof(service),
					  s->service_name, len);
	/* as in the pretty lines: no URL path, then the span's name */
	if (path && plen) {
		k.part[2] = path;
		k.len[2] = key_cut(path, plen, KEY_PATH_MAX);
	} else {
		k.part[2] = name;
		k.len[2] = utf8__sanitize(name, sizeof(name), s->name,
					  strnlen(s->name, sizeof(s->name)));
	}
	return summary__find(sm, &k);
}

void summary__add(struct summary *sm, const struct span *s)
{
	struct summary_row *r;
	const char *method, *path;
	size_t mlen, plen;

	if (!sm || !s)
		return;
	key_attrs(s, &method, &mlen, &path, &plen);
	r = sm->last[s->kind == SPAN_KIND_CLIENT];
	if (!last_row_is(r, s, method, mlen, path, plen)) {
		r = summary__find_span(sm, s, method, mlen, path, plen);
		if (!r)
			return;
	}
	row__add(r, format__span_duration(s), s->status == SPAN_STATUS_ERROR);
}

int summary__quantile(const struct summary *sm, const char *service,
		      const char *method, const char *path, double q,
		      uint64_t *ret_ns)
{
	uint64_t *merged, count = 0, min = UINT64_MAX, max = 0;
	size_t i;

	if (!sm || !service || !method || !path || !ret_ns)
		return -EINVAL;
	merged = calloc(NBUCKETS, sizeof(*merged));
	if (!merged)
		return -ENOMEM;
	/*
	 * The key has a kind too: a service both serving and calling a
	 * route gets one answer for both.
	 */
	for (i = 0; i <= sm->nrows; i++) {
		const struct summary_row *r = i < sm->nrows ? sm->rows[i] : sm->other;

		if (!r || strcmp(r->service, service) ||
		    strcmp(r->method, method) || strcmp(r->path, path))
			continue;
		for (unsigned int b = 0; b < NBUCKETS; b++)
			merged[b] += r->buckets[b];
		count += r->count;
		if (r->min < min)
			min = r->min;
		if (r->max > max)
			max = r->max;
	}
	if (count)
		*ret_ns = hist_quantile(merged, count, min, max, q);
	free(merged);
	return count ? 0 : -ENOENT;
}

static int row_cmp(const void *a, const void *b)
{
	const struct summary_row *x = *(const struct summary_row *const *)a;
	const struct summary_row *y = *(const struct summary_row *const *)b;
	int c;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	c = strcmp(x->service, y->service);
	if (!c)
		c = strcmp(x->path, y->path);
	if (!c)
		c = strcmp(x->method, y->method);
	if (!c)
		c = (int)x->kind - (int)y->kind;
	return c;
}

struct widths {
	size_t service, method, path, count, errors;
};

#define W_SERVICE_MAX 24
#define W_METHOD_MAX 7
#define W_PATH_MAX 48
#define W_KIND 4
#define W_DURATION 8

static size_t digits(uint64_t v)
{
	size_t n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

static void max_into(size_t *w, size_t v)
{
	if (v > *w)
		*w = v;
}

static const char *or_dash(const char *s)
{
	return s[0] ? s : "-";
}

static void print_row(FILE *out, const struct summary_row *r,
		      const struct widths *w)
{
	static const double qs[] = { 0.50, 0.95, 0.99 };
	char dur[FORMAT_DURATION_MAX];
	const char *s;
	size_t n;

	s = or_dash(r->service);
	format__cell(out, s, strlen(s), w->service, true);
	fputs("  ", out);
	s = format__kind(r->kind, true);
	format__cell(out, s, strlen(s), W_KIND, true);
	fputs("  ", out);
	s = or_dash(r->method);
	format__cell(out, s, strlen(s), w->method, true);
	fputs("  ", out);
	s = or_dash(r->path);
	format__cell(out, s, strlen(s), w->path, true);
	fprintf(out, "  %*" PRIu64 "  %*" PRIu64, (int)w->count, r->count,
		(int)w->errors, r->errors);
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		n = format__duration(dur, sizeof(dur),
				     hist_quantile(r->buckets, r->count, r->min,
						   r->max, qs[i]));
		fputs("  ", out);
		format__cell(out, dur, n, W_DURATION, false);
	}
	fputc('\n', out);
}

void summary__print(const struct summary *sm, FILE *out)
{
	const struct summary_row *const *rows;
	struct summary_row **sorted;
	struct widths w = {
		.service = strlen("SERVICE"),
		.method = strlen("METHOD"),
		.path = strlen("PATH"),
		.count = strlen("COUNT"),
		.errors = strlen("ERRORS"),
	};
	size_t n, i;

	if (!sm || !out)
		return;
	n = sm->nrows;
	if (!n && !sm->other) {
		fputs("No spans were captured.\n", out);
		fflush(out);
		return;
	}

	/* without memory to sort, the table is still worth printing */
	rows = (const struct summary_row *const *)sm->rows;
	sorted = malloc((n + 1) * sizeof(*sorted));
	if (sorted) {
		memcpy(sorted, sm->rows, n * sizeof(*sorted));
		qsort(sorted, n, sizeof(*sorted), row_cmp);
		rows = (const struct summary_row *const *)sorted;
	}

	for (i = 0; i <= n; i++) {
		const struct summary_row *r = i < n ? rows[i] : sm->other;

		if (!r)
			continue;
		max_into(&w.service, format__cols(r->service, strlen(r->service),
						  W_SERVICE_MAX));
		max_into(&w.method, format__cols(r->method, strlen(r->method),
						 W_METHOD_MAX));
		max_into(&w.path, format__cols(r->path, strlen(r->path),
					       W_PATH_MAX));
		max_into(&w.count, digits(r->count));
		max_into(&w.errors, digits(r->errors));
	}

	format__cell(out, "SERVICE", 7, w.service, true);
	fputs("  ", out);
	format__cell(out, "KIND", 4, W_KIND, true);
	fputs("  ", out);
	format__cell(out, "METHOD", 6, w.method, true);
	fputs("  ", out);
	format__cell(out, "PATH", 4, w.path, true);
	fprintf(out, "  %*s  %*s  %*s  %*s  %*s\n", (int)w.count, "COUNT",
		(int)w.errors, "ERRORS", W_DURATION, "P50", W_DURATION, "P95",
		W_DURATION, "P99");
	/* the catch-all row last: its count is not one route's */
	for (i = 0; i < n; i++)
		print_row(out, rows[i], &w);
	if (sm->other)
		print_row(out, sm->other, &w);

	free(sorted);
	fflush(out);
}

void summary__free(struct summary *sm)
{
	if (!sm)
		return;
	for (size_t i = 0; i < sm->nrows; i++)
		free(sm->rows[i]);
	free(sm->other);
	free(sm);
}

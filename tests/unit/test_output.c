// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "output/format.h"
#include "output/output.h"
#include "test.h"
#include "util/json_writer.h"

#define STARTS(s, lit) (!strncmp((s), lit, sizeof(lit) - 1))

/* Captures what a FILE * receives. */
struct capture {
	FILE *f;
	char *buf;
	size_t len;
};

static bool capture__open(struct capture *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	return c->f != NULL;
}

/* The text so far, NUL-terminated (open_memstream keeps it so). */
static const char *capture__text(struct capture *c)
{
	fflush(c->f);
	return c->buf;
}

static void capture__close(struct capture *c)
{
	if (c->f)
		fclose(c->f);
	free(c->buf);
	c->f = NULL;
	c->buf = NULL;
}

static struct span *test_span(void)
{
	struct span *s = malloc(sizeof(*s));

	if (!s)
		return NULL;
	span__reset(s);
	for (int i = 0; i < 16; i++)
		s->trace_id[i] = i + 1;
	for (int i = 0; i < 8; i++)
		s->span_id[i] = 0xa1 + i;
	s->kind = SPAN_KIND_SERVER;
	s->status = SPAN_STATUS_ERROR;
	s->pid = 42;
	s->tid = 43;
	s->start_ns = 1700000000123456789ull;
	s->end_ns = s->start_ns + 1500000;
	strcpy(s->name, "GET /x");
	strcpy(s->service_name, "svc");
	span__add_str(s, "http.request.method", "GET", 3);
	span__add_str(s, "url.path", "/api/users", 10);
	span__add_int(s, "http.response.status_code", 503);
	span__add_str(s, "network.peer.address", "10.0.0.1", 8);
	span__add_int(s, "network.peer.port", 5432);
	return s;
}

/* --- JSON ------------------------------------------------------------------
 */

TEST(json_span_exact_text)
{
	struct span *s = test_span();
	struct capture c;
	struct output *o;

	ASSERT_TRUE(s && capture__open(&c));
	o = output__new(OUTPUT_JSON, c.f, false, NULL);
	ASSERT_TRUE(o);
	ASSERT_EQ(output__span(o, s, NULL), 0);
	ASSERT_STREQ(capture__text(&c),
		     "{\"trace_id\":\"0102030405060708090a0b0c0d0e0f10\","
		     "\"span_id\":\"a1a2a3a4a5a6a7a8\",\"parent_span_id\":\"\","
		     "\"name\":\"GET /x\",\"kind\":\"server\","
		     "\"start_time_unix_nano\":1700000000123456789,"
		     "\"end_time_unix_nano\":1700000000124956789,"
		     "\"duration_ns\":1500000,\"status\":\"error\","
		     "\"service_name\":\"svc\",\"pid\":42,\"tid\":43,"
		     "\"attributes\":{\"http.request.method\":\"GET\","
		     "\"url.path\":\"/api/users\","
		     "\"http.response.status_code\":503,"
		     "\"network.peer.address\":\"10.0.0.1\","
		     "\"network.peer.port\":5432}}\n");
	output__free(o);
	capture__close(&c);
	free(s);
}

TEST(json_span_child_escaped)
{
	struct span *s = malloc(sizeof(*s));
	struct capture c;
	struct output *o;

	ASSERT_TRUE(s && capture__open(&c));
	span__reset(s);
	s->span_id[0] = 1;
	s->parent_span_id[7] = 0xff;
	s->kind = SPAN_KIND_CLIENT;
	s->status = SPAN_STATUS_OK;
	s->start_ns = 10;
	s->end_ns = 5; /* clocks disagree: duration is 0, not huge */
	strcpy(s->name, "q\"uote");
	strcpy(s->service_name, "tab\there");
	span__add_str(s, "k", "a\\b\n\x01\x1f\xff", 7);
	span__add_int(s, "neg", -3);
	span__add_int(s, "k", 1); /* duplicate key: the first one stays */
	o = output__new(OUTPUT_JSON, c.f, true, NULL);
	ASSERT_TRUE(o);
	ASSERT_EQ(output__span(o, s, NULL), 0);
	ASSERT_STREQ(
		capture__text(&c),
		"{\"trace_id\":\"00000000000000000000000000000000\","
		"\"span_id\":\"0100000000000000\","
		"\"parent_span_id\":\"00000000000000ff\","
		"\"name\":\"q\\\"uote\",\"kind\":\"client\","
		"\"start_time_unix_nano\":10,\"end_time_unix_nano\":5,"
		"\"duration_ns\":0,\"status\":\"ok\","
		"\"service_name\":\"tab\\there\",\"pid\":0,\"tid\":0,"
		"\"attributes\":{\"k\":\"a\\\\b\\n\\u0001\\u001f\xef\xbf\xbd\","
		"\"neg\":-3}}\n");
	output__free(o);
	capture__close(&c);
	free(s);
}

TEST(json_writer_escapes)
{
	struct json_writer w;
	struct capture c;

	ASSERT_TRUE(capture__open(&c));
	json_writer__init(&w, c.f);
	json_writer__arr_begin(&w);
	/* raw bytes: invalid UTF-8 in every form, controls, DEL, valid text */
	json_writer__str(&w, "\"\\/\b\f\r\t\x7f", 8);
	json_writer__str(&w, "\xc0\xaf|\xed\xa0\x80|\xe2\x82|\xf4\x90\x80\x80",
			 14);
	json_writer__str(&w, "\xc3\xa9\xe2\x80\xa8\xf0\x9f\x98\x80", 9);
	json_writer__str(&w, "nul\0x", 5);
	json_writer__int(&w, INT64_MIN);
	json_writer__uint(&w, UINT64_MAX);
	json_writer__obj_begin(&w);
	json_writer__key(&w, "a\"");
	json_writer__bool(&w, true);
	json_writer__key(&w, "b");
	json_writer__null(&w);
	json_writer__key(&w, "dangling");
	json_writer__obj_end(&w);
	json_writer__arr_end(&w);
	ASSERT_STREQ(capture__text(&c),
		     "[\"\\\"\\\\/\\b\\f\\r\\t\x7f\","
		     "\"\xef\xbf\xbd\xef\xbf\xbd|"
		     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd|"
		     "\xef\xbf\xbd|"
		     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\","
		     "\"\xc3\xa9\xe2\x80\xa8\xf0\x9f\x98\x80\","
		     "\"nul\\u0000x\","
		     "-9223372036854775808,18446744073709551615,"
		     "{\"a\\\"\":true,\"b\":null,\"dangling\":null}]");
	capture__close(&c);
}

TEST(json_writer_too_deep_stays_valid)
{
	struct json_writer w;
	struct capture c;
	const char *t;
	int depth = 0, maxdepth = 0;

	ASSERT_TRUE(capture__open(&c));
	json_writer__init(&w, c.f);
	for (int i = 0; i < 40; i++) {
		json_writer__arr_begin(&w);
		json_writer__int(&w, i);
	}
	for (int i = 0; i < 40; i++)
		json_writer__arr_end(&w);
	t = capture__text(&c);
	for (const char *p = t; *p; p++) {
		if (*p == '[')
			depth++;
		else if (*p == ']')
			depth--;
		ASSERT_TRUE(depth >= 0);
		ASSERT_TRUE(!(p[0] == '[' && p[1] == ','));
		ASSERT_TRUE(!(p[0] == ',' && p[1] == ']'));
		if (depth > maxdepth)
			maxdepth = depth;
	}
	ASSERT_EQ(depth, 0);
	ASSERT_EQ(maxdepth, JSON_WRITER_MAX_DEPTH + 1);
	ASSERT_TRUE(STARTS(t, "[0,[1,[2,"));
	capture__close(&c);
}

TEST(output_write_error_is_epipe)
{
	struct span *s = test_span();
	struct sigaction ign = {.sa_handler = SIG_IGN}, old;
	struct output *o;
	int fds[2], err;
	FILE *f;

	ASSERT_TRUE(s);
	ASSERT_EQ(pipe(fds), 0);
	close(fds[0]);
	f = fdopen(fds[1], "w");
	ASSERT_TRUE(f);
	sigaction(SIGPIPE, &ign, &old);
	o = output__new(OUTPUT_JSON, f, false, NULL);
	err = output__span(o, s, NULL);
	output__free(o);
	o = output__new(OUTPUT_PRETTY, f, false, NULL);
	ASSERT_EQ(output__span(o, s, NULL), -EPIPE);
	output__free(o);
	fclose(f);
	sigaction(SIGPIPE, &old, NULL);
	free(s);
	ASSERT_EQ(err, -EPIPE);
}

TEST(output_parse_format_and_none)
{
	enum output_format fmt = OUTPUT_NONE;
	struct output *o;
	struct span *s = test_span();

	ASSERT_EQ(output__parse_format("json", &fmt), 0);
	ASSERT_EQ(fmt, OUTPUT_JSON);
	ASSERT_EQ(output__parse_format("pretty", &fmt), 0);
	ASSERT_EQ(fmt, OUTPUT_PRETTY);
	ASSERT_EQ(output__parse_format("none", &fmt), 0);
	ASSERT_EQ(fmt, OUTPUT_NONE);
	ASSERT_EQ(output__parse_format("JSON5", &fmt), -EINVAL);
	ASSERT_EQ(output__parse_format("", &fmt), -EINVAL);

	o = output__new(OUTPUT_NONE, NULL, false, NULL);
	ASSERT_TRUE(o);
	ASSERT_EQ(output__span(o, s, NULL), 0);
	output__free(o);
	output__free(NULL);
	ASSERT_TRUE(!output__new(OUTPUT_JSON, NULL, false, NULL));
	ASSERT_EQ(errno, EINVAL);
	free(s);
}

/* --- pretty ----------------------------------------------------------------
 */

/* Runs with TZ=UTC so the time column is known; restores TZ afterwards. */
static char *pretty_line(const struct span *s, bool color)
{
	char *old = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
	struct capture c;
	struct output *o;
	char *line = NULL;

	setenv("TZ", "UTC", 1);
	tzset();
	if (capture__open(&c)) {
		o = output__new(OUTPUT_PRETTY, c.f, color, NULL);
		if (o && !output__span(o, s, NULL))
			line = strdup(capture__text(&c));
		output__free(o);
		capture__close(&c);
	}
	if (old)
		setenv("TZ", old, 1);
	else
		unsetenv("TZ");
	tzset();
	free(old);
	return line;
}

TEST(pretty_line_exact)
{
	struct span *s = test_span();
	char *line;

	ASSERT_TRUE(s);
	line = pretty_line(s, false);
	ASSERT_STREQ(line, "22:13:20.123 svc              SRV GET     "
			   "/api/users                               503 "
			   "  1.50ms 10.0.0.1:5432\n");
	free(line);

	line = pretty_line(s, true);
	ASSERT_TRUE(line && strstr(line, "\033[31m503\033[0m"));
	free(line);

	s->attrs[2].i = 404;
	line = pretty_line(s, true);
	ASSERT_TRUE(line && strstr(line, "\033[33m404\033[0m"));
	free(line);

	s->attrs[2].i = 200;
	line = pretty_line(s, true);
	ASSERT_TRUE(line && !strchr(line, '\033'));
	free(line);
	free(s);
}

TEST(pretty_line_cuts_and_neutralises)
{
	struct span *s = malloc(sizeof(*s));
	char path[300], *line;

	ASSERT_TRUE(s);
	span__reset(s);
	s->kind = SPAN_KIND_CLIENT;
	s->start_ns = 1700000000000000000ull;
	s->end_ns = s->start_ns + 812000;
	strcpy(s->service_name, "a-very-long-service-name");
	memset(path, 'p', sizeof(path));
	path[0] = '/';
	path[1] = '\033'; /* an escape sequence from the wire */
	span__add_str(s, "url.path", path, sizeof(path));
	span__add_str(s, "network.peer.address", "::1", 3);
	span__add_int(s, "network.peer.port", 80);
	line = pretty_line(s, true);
	ASSERT_STREQ(line,
		     "22:13:20.000 a-very-long-ser\xe2\x80\xa6 CLI -       "
		     "/?ppppppppppppppppppppppppppppppppppppp\xe2\x80\xa6 "
		     "  -    812\xc2\xb5s [::1]:80\n");
	free(line);
	free(s);
}

TEST(format_duration_units)
{
	static const struct {
		uint64_t ns;
		const char *want;
	} cases[] = {
		{0, "0ns"},
		{999, "999ns"},
		{1000, "1.00\xc2\xb5s"},
		{8123, "8.12\xc2\xb5s"},
		{812000, "812\xc2\xb5s"},
		{999600, "1.00ms"},
		{12300000, "12.3ms"},
		{99960000, "100ms"},
		{1200000000, "1.20s"},
		{999600000000ull, "16m40s"},
		{7380000000000ull, "2h03m"},
		{UINT64_MAX, "5124095h34m"},
	};
	char buf[FORMAT_DURATION_MAX];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		format__duration(buf, sizeof(buf), cases[i].ns);
		ASSERT_STREQ(buf, cases[i].want);
	}
	ASSERT_EQ(format__duration(buf, 4, 12300000), 3);
	ASSERT_STREQ(buf, "12.");
}

TEST(format_term_cut)
{
	char buf[64];
	size_t cols;

	ASSERT_EQ(format__term(buf, sizeof(buf), "abcdef", 6, 6, &cols), 6);
	ASSERT_EQ(cols, 6);
	format__term(buf, sizeof(buf), "abcdefg", 7, 6, &cols);
	ASSERT_STREQ(buf, "abcde\xe2\x80\xa6");
	ASSERT_EQ(cols, 6);
	/* columns are characters, not bytes */
	format__term(buf, sizeof(buf), "\xc3\xa9\xc3\xa9\xc3\xa9", 6, 2, &cols);
	ASSERT_STREQ(buf, "\xc3\xa9\xe2\x80\xa6");
	ASSERT_EQ(cols, 2);
	/* C1 control U+009B (CSI), bidi override, DEL */
	format__term(buf, sizeof(buf), "a\xc2\x9b\xe2\x80\xae\x7f", 7, 10,
		     &cols);
	ASSERT_STREQ(buf, "a???");
	/* a small buffer cuts too, and still ends the text cleanly */
	format__term(buf, 6, "abcdefgh", 8, 10, &cols);
	ASSERT_STREQ(buf, "ab\xe2\x80\xa6");
	ASSERT_EQ(cols, 3);
}

/* --- summary ---------------------------------------------------------------
 */

static void summary_span(struct summary *sm, struct span *s, const char *svc,
			 const char *method, const char *path, uint64_t ns,
			 bool error)
{
	span__reset(s);
	s->kind = SPAN_KIND_SERVER;
	snprintf(s->service_name, sizeof(s->service_name), "%s", svc);
	span__add_str(s, "http.request.method", method, strlen(method));
	span__add_str(s, "url.path", path, strlen(path));
	s->start_ns = 1000;
	s->end_ns = 1000 + ns;
	s->status = error ? SPAN_STATUS_ERROR : SPAN_STATUS_UNSET;
	summary__add(sm, s);
}

static double exact_quantile(uint64_t *v, size_t n, double q)
{
	size_t rank = (size_t)ceil(q * n);

	return v[(rank ? rank : 1) - 1];
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Quantiles of n values from gen, against the exact ones, within 5%. */
static bool check_quantiles(uint64_t (*gen)(size_t i, uint64_t *state),
			    size_t n)
{
	static const double qs[] = {0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999};
	struct summary *sm = summary__new();
	struct span *s = malloc(sizeof(*s));
	uint64_t *v = malloc(n * sizeof(*v)), state = 12345, got;
	bool ok = sm && s && v;

	for (size_t i = 0; ok && i < n; i++) {
		v[i] = gen(i, &state);
		summary_span(sm, s, "svc", "GET", "/q", v[i], false);
	}
	if (ok)
		qsort(v, n, sizeof(*v), u64_cmp);
	for (size_t i = 0; ok && i < sizeof(qs) / sizeof(qs[0]); i++) {
		double want = exact_quantile(v, n, qs[i]);

		if (summary__quantile(sm, "svc", "GET", "/q", qs[i], &got) ||
		    fabs((double)got - want) > 0.05 * want) {
			printf("  q%g: got %" PRIu64 ", want %.0f\n", qs[i],
			       got, want);
			ok = false;
		}
	}
	summary__free(sm);
	free(s);
	free(v);
	return ok;
}

static uint64_t lcg(uint64_t *state)
{
	*state = *state * 6364136223846793005ull + 1442695040888963407ull;
	return *state >> 11;
}

static uint64_t gen_uniform(size_t i, uint64_t *state)
{
	return 1000 + lcg(state) % 100000000; /* 1µs .. 100ms */
}

static uint64_t gen_exponential(size_t i, uint64_t *state)
{
	double u = (lcg(state) + 1.0) / 9007199254740993.0;

	return (uint64_t)(-log(u) * 5e6) + 1; /* mean 5ms */
}

static uint64_t gen_bimodal(size_t i, uint64_t *state)
{
	/* 90% cache hits near 200µs, 10% misses near 2s */
	uint64_t jitter = lcg(state) % 20000;

	return i % 10 ? 190000 + jitter : 1990000000 + jitter * 1000;
}

static uint64_t gen_small(size_t i, uint64_t *state)
{
	return lcg(state) % 40;
}

TEST(summary_quantiles_uniform)
{
	ASSERT_TRUE(check_quantiles(gen_uniform, 100000));
}

TEST(summary_quantiles_exponential)
{
	ASSERT_TRUE(check_quantiles(gen_exponential, 100000));
}

TEST(summary_quantiles_bimodal)
{
	ASSERT_TRUE(check_quantiles(gen_bimodal, 10000));
}

TEST(summary_quantiles_small_values)
{
	ASSERT_TRUE(check_quantiles(gen_small, 10000));
}

TEST(summary_quantile_extremes)
{
	struct summary *sm = summary__new();
	struct span *s = malloc(sizeof(*s));
	uint64_t got;

	ASSERT_TRUE(sm && s);
	summary_span(sm, s, "svc", "GET", "/one", 123456789, false);
	/* a single value is reported exactly, whatever its bucket */
	ASSERT_EQ(summary__quantile(sm, "svc", "GET", "/one", 0.5, &got), 0);
	ASSERT_EQ(got, 123456789);
	summary_span(sm, s, "svc", "GET", "/one", UINT64_MAX - 5000, false);
	ASSERT_EQ(summary__quantile(sm, "svc", "GET", "/one", 1.0, &got), 0);
	ASSERT_EQ(got, (long long)(UINT64_MAX - 5000));
	ASSERT_EQ(summary__quantile(sm, "svc", "GET", "/one", 0.0, &got), 0);
	ASSERT_EQ(got, 123456789);
	ASSERT_EQ(summary__quantile(sm, "svc", "GET", "/none", 0.5, &got),
		  -ENOENT);
	ASSERT_EQ(summary__quantile(sm, "svc", "POST", "/one", 0.5, &got),
		  -ENOENT);
	summary__free(sm);
	free(s);
}

TEST(summary_print_empty)
{
	struct summary *sm = summary__new();
	struct capture c;

	ASSERT_TRUE(sm && capture__open(&c));
	summary__print(sm, c.f);
	ASSERT_STREQ(capture__text(&c), "No spans were captured.\n");
	capture__close(&c);
	summary__free(sm);
	summary__free(NULL);
}

TEST(summary_print_table)
{
	struct summary *sm = summary__new();
	struct span *s = malloc(sizeof(*s));
	struct capture c;

	ASSERT_TRUE(sm && s && capture__open(&c));
	for (int i = 0; i < 3; i++)
		summary_span(sm, s, "api", "GET", "/users", 12300000, i == 0);
	summary_span(sm, s, "api", "POST", "/users", 812000, false);
	for (int i = 0; i < 10; i++)
		summary_span(sm, s, "web", "GET", "/", 1200000000, false);
	summary__print(sm, c.f);
	ASSERT_STREQ(capture__text(&c),
		     "SERVICE  KIND  METHOD  PATH    COUNT  ERRORS       P50   "
		     "    P95       P99\n"
		     "web      SRV   GET     /          10       0     1.20s   "
		     "  1.20s     1.20s\n"
		     "api      SRV   GET     /users      3       1    12.3ms   "
		     " 12.3ms    12.3ms\n"
		     "api      SRV   POST    /users      1       0     "
		     "812\xc2\xb5s     812\xc2\xb5s     812\xc2\xb5s\n");
	capture__close(&c);
	summary__free(sm);
	free(s);
}

TEST(summary_other_row)
{
	struct summary *sm = summary__new();
	struct span *s = malloc(sizeof(*s));
	struct capture c;
	char path[32];
	const char *t, *last;
	uint64_t got;

	ASSERT_TRUE(sm && s && capture__open(&c));
	for (int i = 0; i < SUMMARY_MAX_KEYS + 10; i++) {
		snprintf(path, sizeof(path), "/item/%d", i);
		summary_span(sm, s, "svc", "GET", path, 1000, false);
	}
	/* a known key still gets its own row once the table is full */
	summary_span(sm, s, "svc", "GET", "/item/0", 1000, false);
	ASSERT_EQ(summary__quantile(sm, "svc", "GET", "/item/0", 0.5, &got), 0);
	ASSERT_EQ(summary__quantile(sm, "svc", "GET", "/item/1030", 0.5, &got),
		  -ENOENT);
	summary__print(sm, c.f);
	t = capture__text(&c);
	ASSERT_TRUE(
		STARTS(strchr(t, '\n') + 1, "svc      SRV   GET     /item/0 "));
	last = t + strlen(t) - 2;
	while (last > t && last[-1] != '\n')
		last--;
	ASSERT_TRUE(STARTS(last, "(other)  ---   -       -  "));
	ASSERT_TRUE(strstr(last, "  10       0 "));
	capture__close(&c);
	summary__free(sm);
	free(s);
}

/*
 * Keys are cut to their field at a character boundary: two paths alike
 * up to a character that straddles the cut share the cut key's row.
 */
TEST(summary_long_path_cut)
{
	struct summary *sm = summary__new();
	struct span *s = malloc(sizeof(*s));
	char path[258], key[255];
	uint64_t got;

	ASSERT_TRUE(sm && s);
	memset(key, 'a', 254);
	key[254] = '\0';
	memcpy(path, key, 254);
	/* U+00E9 in bytes 254 and 255: the 255-byte field would split it */
	memcpy(path + 254, "\xc3\xa9x", 4);
	summary_span(sm, s, "svc", "GET", path, 1000, false);
	path[256] = 'y';
	summary_span(sm, s, "svc", "GET", path, 3000, false);
	/* one row holds both: its largest and its least */
	ASSERT_EQ(summary__quantile(sm, "svc", "GET", key, 1.0, &got), 0);
	ASSERT_EQ(got, 3000);
	ASSERT_EQ(summary__quantile(sm, "svc", "GET", key, 0.0, &got), 0);
	ASSERT_EQ(got, 1000);
	/* and a method as long as its field, whole */
	summary_span(sm, s, "svc", "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDE", "/m", 5,
		     false);
	ASSERT_EQ(summary__quantile(sm, "svc",
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDE", "/m",
				    0.5, &got),
		  0);
	summary__free(sm);
	free(s);
}

/* A span of kind under (svc, method, path), summed twice. */
static void summary_twice(struct summary *sm, struct span *s, uint8_t kind,
			  const char *svc, const char *method, const char *path)
{
	span__reset(s);
	s->kind = kind;
	snprintf(s->service_name, sizeof(s->service_name), "%s", svc);
	span__add_str(s, "http.request.method", method, strlen(method));
	span__add_str(s, "url.path", path, strlen(path));
	s->start_ns = 1000;
	s->end_ns = 2000;
	summary__add(sm, s);
	summary__add(sm, s);
}

/*
 * Rows are looked up by a hash of the key read a word at a time: keys that
 * differ in one byte anywhere in a word or in the tail after the last
 * whole word, in kind only, or by bytes moved from one part to the next,
 * each get their own row; the same key twice gets one.
 */
TEST(summary_rows_by_key)
{
	struct summary *sm = summary__new();
	struct span *s = malloc(sizeof(*s));
	struct capture c;
	char path[32];
	const char *t, *line;
	int rows = 0;

	ASSERT_TRUE(sm && s && capture__open(&c));
	for (int len = 1; len <= 24; len++) {
		memset(path, 'a', len);
		path[len] = '\0';
		summary_twice(sm, s, SPAN_KIND_SERVER, "svc", "GET", path);
		path[len - 1] = 'b';
		summary_twice(sm, s, SPAN_KIND_SERVER, "svc", "GET", path);
	}
	summary_twice(sm, s, SPAN_KIND_SERVER, "svc", "GET", "/kind");
	summary_twice(sm, s, SPAN_KIND_CLIENT, "svc", "GET", "/kind");
	summary_twice(sm, s, SPAN_KIND_SERVER, "ab", "c", "/shift");
	summary_twice(sm, s, SPAN_KIND_SERVER, "a", "bc", "/shift");
	summary_twice(sm, s, SPAN_KIND_SERVER, "s", "GET", "/shift/");
	summary_twice(sm, s, SPAN_KIND_SERVER, "s", "GET/", "shift/");
	summary__print(sm, c.f);
	t = capture__text(&c);
	/* each row after the header counts two spans, none more */
	for (line = strchr(t, '\n'); line && line[1];
	     line = strchr(line, '\n')) {
		line++;
		ASSERT_TRUE(strstr(line, "    2       0 ") &&
			    strstr(line, "    2       0 ") <
				    strchr(line, '\n'));
		rows++;
	}
	ASSERT_EQ(rows, 24 * 2 + 2 + 4);
	capture__close(&c);
	summary__free(sm);
	free(s);
}

/*
 * The row each kind found last is tried first: interleaved keys, and the
 * same key as server and client, still land in their own rows.
 */
TEST(summary_last_row_per_kind)
{
	static const struct {
		uint8_t kind;
		const char *path;
	} seq[] = {
		{SPAN_KIND_SERVER, "/a"}, {SPAN_KIND_SERVER, "/a"},
		{SPAN_KIND_SERVER, "/b"}, {SPAN_KIND_CLIENT, "/a"},
		{SPAN_KIND_SERVER, "/a"}, {SPAN_KIND_CLIENT, "/a"},
		{SPAN_KIND_CLIENT, "/b"}, {SPAN_KIND_SERVER, "/a"},
		{SPAN_KIND_SERVER, "/b"}, {SPAN_KIND_CLIENT, "/a"},
	};
	struct summary *sm = summary__new();
	struct span *s = malloc(sizeof(*s));
	struct capture c;

	ASSERT_TRUE(sm && s && capture__open(&c));
	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		span__reset(s);
		s->kind = seq[i].kind;
		snprintf(s->service_name, sizeof(s->service_name), "svc");
		span__add_str(s, "http.request.method", "GET", 3);
		span__add_str(s, "url.path", seq[i].path, 2);
		s->end_ns = 1000;
		summary__add(sm, s);
	}
	summary__print(sm, c.f);
	ASSERT_STREQ(
		capture__text(&c),
		"SERVICE  KIND  METHOD  PATH  COUNT  ERRORS       P50  "
		"     P95       P99\n"
		"svc      SRV   GET     /a        4       0    1.00\xc2\xb5s"
		"    1.00\xc2\xb5s    1.00\xc2\xb5s\n"
		"svc      CLI   GET     /a        3       0    1.00\xc2\xb5s"
		"    1.00\xc2\xb5s    1.00\xc2\xb5s\n"
		"svc      SRV   GET     /b        2       0    1.00\xc2\xb5s"
		"    1.00\xc2\xb5s    1.00\xc2\xb5s\n"
		"svc      CLI   GET     /b        1       0    1.00\xc2\xb5s"
		"    1.00\xc2\xb5s    1.00\xc2\xb5s\n");
	capture__close(&c);
	summary__free(sm);
	free(s);
}

/*
 * A service name is taken as it is when short ASCII, else repaired: not
 * UTF-8 it gets U+FFFD, filling its field with no NUL it is cut to fit.
 */
TEST(summary_service_name_repaired)
{
	struct summary *sm = summary__new();
	struct span *s = malloc(sizeof(*s));
	char want[SPAN_SERVICE_MAX];
	uint64_t got;

	ASSERT_TRUE(sm && s);
	summary_span(sm, s, "caf\xc3\xa9", "GET", "/", 1000, false);
	summary_span(sm, s, "bad\xff", "GET", "/", 2000, false);
	summary_span(sm, s, "", "GET", "/", 3000, false);
	span__reset(s);
	s->kind = SPAN_KIND_SERVER;
	memset(s->service_name, 'x', sizeof(s->service_name));
	span__add_str(s, "http.request.method", "GET", 3);
	span__add_str(s, "url.path", "/", 1);
	s->end_ns = 4000;
	summary__add(sm, s);
	ASSERT_EQ(summary__quantile(sm, "caf\xc3\xa9", "GET", "/", 1.0, &got),
		  0);
	ASSERT_EQ(got, 1000);
	ASSERT_EQ(
		summary__quantile(sm, "bad\xef\xbf\xbd", "GET", "/", 1.0, &got),
		0);
	ASSERT_EQ(got, 2000);
	ASSERT_EQ(summary__quantile(sm, "", "GET", "/", 1.0, &got), 0);
	ASSERT_EQ(got, 3000);
	memset(want, 'x', sizeof(want) - 1);
	want[sizeof(want) - 1] = '\0';
	ASSERT_EQ(summary__quantile(sm, want, "GET", "/", 1.0, &got), 0);
	ASSERT_EQ(got, 4000);
	summary__free(sm);
	free(s);
}

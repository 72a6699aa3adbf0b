// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Which row of the end-of-run table a span is summed into, against the key
 * as summary__add made it before it matched the last row without building
 * one: that derivation is kept here as the reference. Spans come in runs
 * of one key and switch at random among keys a byte apart, cut at their
 * fields' ends, not valid UTF-8, or with attributes found only by name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/output.h"
#include "span/semconv.h"
#include "test.h"
#include "util/utf8.h"

#define REF_SERVICE_MAX SPAN_SERVICE_MAX
#define REF_METHOD_MAX 32
#define REF_PATH_MAX 256

struct ref_key {
	uint8_t kind;
	char service[REF_SERVICE_MAX];
	char method[REF_METHOD_MAX];
	char path[REF_PATH_MAX];
};

static size_t ref_cut(const char *v, size_t len, size_t size)
{
	return len < size ? len : utf8__char_start(v, size - 1);
}

/* The key summary__add looked rows up by, made as it made it. */
static void ref_key_of(const struct span *s, struct ref_key *k)
{
	const char *v;
	size_t len;

	memset(k, 0, sizeof(*k));
	k->kind = s->kind;
	utf8__sanitize(k->service, sizeof(k->service), s->service_name,
		       strnlen(s->service_name, sizeof(s->service_name)));
	v = span__attr_str(s, SC_HTTP_REQUEST_METHOD, &len);
	if (v)
		memcpy(k->method, v, ref_cut(v, len, REF_METHOD_MAX));
	v = span__attr_str(s, SC_URL_PATH, &len);
	if (v && len)
		memcpy(k->path, v, ref_cut(v, len, REF_PATH_MAX));
	else
		utf8__sanitize(k->path, sizeof(k->path), s->name,
			       strnlen(s->name, sizeof(s->name)));
}

/* One kind of span: what its fields hold; NULL: no such attribute. */
struct variant {
	uint8_t kind;
	char service[SPAN_SERVICE_MAX + 1];
	size_t service_len; /* SPAN_SERVICE_MAX: no NUL in the span */
	const char *method, *path;
	size_t method_len, path_len;
	const char *name;
	/* attribute keys: not the semconv.h literals, so found by name */
	bool keys_by_name;
	bool path_int;	  /* url.path an integer: no path, the name then */
	bool extra_first; /* other attributes, and a duplicate path, first */
	int group;	  /* index of its key's strings among all groups */
};

#define NVARIANTS 1024

static struct variant variants[NVARIANTS];
static size_t nvariants;

static char long_method[64], long_path[320], cut_method[40], cut_path[300];

static struct variant *variant_add(const struct variant *base)
{
	struct variant *v = &variants[nvariants++];

	*v = *base;
	return v;
}

static void variant_service(const struct variant *base, const char *s,
			    size_t len)
{
	struct variant *v = variant_add(base);

	memcpy(v->service, s, len);
	v->service[len] = '\0';
	v->service_len = len;
}

static void variant_method(const struct variant *base, const char *m,
			   size_t len)
{
	struct variant *v = variant_add(base);

	v->method = m;
	v->method_len = len;
}

static void variant_path(const struct variant *base, const char *p, size_t len)
{
	struct variant *v = variant_add(base);

	v->path = p;
	v->path_len = len;
}

/* base with one byte of s (service, method or path) set to c */
static void variant_byte(const struct variant *base, int field, size_t pos,
			 char c)
{
	static char store[NVARIANTS][64];
	char *buf = store[nvariants];

	if (field == 0) {
		char svc[SPAN_SERVICE_MAX];

		memcpy(svc, base->service, base->service_len);
		svc[pos] = c;
		variant_service(base, svc, base->service_len);
	} else if (field == 1) {
		memcpy(buf, base->method, base->method_len);
		buf[pos] = c;
		variant_method(base, buf, base->method_len);
	} else {
		memcpy(buf, base->path, base->path_len);
		buf[pos] = c;
		variant_path(base, buf, base->path_len);
	}
}

static void variants_make(void)
{
	static const char *const services[] = {"wrk",
					       "nginy",
					       "ngin",
					       "nginxx",
					       "",
					       "a",
					       "aaaaaaa",
					       "aaaaaaaa",
					       "aaaaaaaaa",
					       "aaaaaaaaaaaaaaa",
					       "aaaaaaaaaaaaaaaa",
					       "aaaaaaaaaaaaaaaaa",
					       "ab\xff",
					       "ab\xef\xbf\xbd",
					       "caf\xc3\xa9",
					       "caf\xc3",
					       "\x80"};
	static const char *const methods[] = {"GEt", "POST", "",     "OPTIONS",
					      "GE",  "GETT", "G\xff"};
	static const char *const paths[] = {"",
					    "/",
					    "/index.htm",
					    "/index.htmm",
					    "/index.html/",
					    "/abcdef",
					    "/abcdefg",
					    "/abcdefgh",
					    "/abcdefghijklmno",
					    "/abcdefghijklmnop",
					    "/x\xff",
					    "/x\xef\xbf\xbd"};
	struct variant base = {
		.kind = SPAN_KIND_SERVER,
		.service = "nginx",
		.service_len = 5,
		.method = "GET",
		.method_len = 3,
		.path = "/index.html",
		.path_len = 11,
		.name = "GET",
	};
	char svc[SPAN_SERVICE_MAX];
	size_t n = 0, i;

	nvariants = 0;
	variant_add(&base);
	for (i = 0; i < sizeof(services) / sizeof(services[0]); i++)
		variant_service(&base, services[i], strlen(services[i]));
	/* one byte short of the field, the field whole, one byte more */
	memset(svc, 's', sizeof(svc));
	variant_service(&base, svc, SPAN_SERVICE_MAX - 1);
	variant_service(&base, svc, SPAN_SERVICE_MAX);
	svc[SPAN_SERVICE_MAX - 1] = 't';
	variant_service(&base, svc, SPAN_SERVICE_MAX);
	svc[SPAN_SERVICE_MAX - 2] = '\xc3';
	svc[SPAN_SERVICE_MAX - 1] = '\xa9';
	variant_service(&base, svc, SPAN_SERVICE_MAX);

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		variant_method(&base, methods[i], strlen(methods[i]));
	variant_method(&base, NULL, 0);
	memset(long_method, 'M', sizeof(long_method));
	for (i = REF_METHOD_MAX - 2; i <= REF_METHOD_MAX + 1; i++)
		variant_method(&base, long_method, i);
	/* a two-byte character across the cut */
	memset(cut_method, 'M', sizeof(cut_method));
	cut_method[REF_METHOD_MAX - 2] = '\xc3';
	cut_method[REF_METHOD_MAX - 1] = '\xa9';
	variant_method(&base, cut_method, REF_METHOD_MAX);

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		variant_path(&base, paths[i], strlen(paths[i]));
	variant_path(&base, NULL, 0);
	memset(long_path, 'p', sizeof(long_path));
	for (i = REF_PATH_MAX - 2; i <= REF_PATH_MAX + 1; i++)
		variant_path(&base, long_path, i);
	variant_path(&base, long_path, sizeof(long_path));
	memset(cut_path, 'p', sizeof(cut_path));
	cut_path[REF_PATH_MAX - 2] = '\xe2';
	cut_path[REF_PATH_MAX - 1] = '\x80';
	cut_path[REF_PATH_MAX] = '\xa6';
	variant_path(&base, cut_path, REF_PATH_MAX + 1);

	/* every byte of each field, to a letter and to a high byte */
	for (i = 0; i < base.service_len; i++) {
		variant_byte(&base, 0, i, 'q');
		variant_byte(&base, 0, i, '\xc3');
	}
	for (i = 0; i < base.method_len; i++) {
		variant_byte(&base, 1, i, 'q');
		variant_byte(&base, 1, i, '\xc3');
	}
	for (i = 0; i < base.path_len; i++) {
		variant_byte(&base, 2, i, 'q');
		variant_byte(&base, 2, i, '\xc3');
	}

	n = nvariants;
	for (i = 0; i < n; i++) {
		struct variant *v;

		v = variant_add(&variants[i]);
		v->kind = SPAN_KIND_CLIENT;
		v = variant_add(&variants[i]);
		v->kind = 0;
	}
	variant_add(&base)->keys_by_name = true;
	variant_add(&base)->path_int = true;
	variant_add(&base)->extra_first = true;
	variant_add(&base)->name = "HTTP";
	variant_add(&variants[nvariants - 1])->path = NULL;
}

static void span_of(struct span *s, const struct variant *v, unsigned int *seed)
{
	static const char mkey[] = "http.request.method", pkey[] = "url.path";

	span__reset(s);
	s->kind = v->kind;
	/* bytes past the NUL are left from other spans: make them noise */
	for (size_t i = 0; i < sizeof(s->service_name); i++)
		s->service_name[i] = (char)rand_r(seed);
	memcpy(s->service_name, v->service, v->service_len);
	if (v->service_len < SPAN_SERVICE_MAX)
		s->service_name[v->service_len] = '\0';
	snprintf(s->name, sizeof(s->name), "%s", v->name);
	if (v->extra_first) {
		span__add_str(s, SC_URL_SCHEME, "http", 4);
		span__add_int(s, SC_HTTP_RESPONSE_STATUS_CODE, 200);
	}
	if (v->method)
		span__add_str(s,
			      v->keys_by_name ? mkey : SC_HTTP_REQUEST_METHOD,
			      v->method, v->method_len);
	if (v->path_int)
		span__add_int(s, SC_URL_PATH, 7);
	else if (v->path)
		span__add_str(s, v->keys_by_name ? pkey : SC_URL_PATH, v->path,
			      v->path_len);
	if (v->extra_first)
		span__add_str(s, SC_URL_PATH, "/second", 7);
}

static bool ref_same_strings(const struct ref_key *a, const struct ref_key *b)
{
	return !strcmp(a->service, b->service) &&
	       !strcmp(a->method, b->method) && !strcmp(a->path, b->path);
}

TEST(summary_rows_as_before)
{
	static struct ref_key keys[NVARIANTS], groups[NVARIANTS];
	static uint64_t gmin[NVARIANTS], gmax[NVARIANTS];
	struct summary *sm = summary__new();
	struct span *s = malloc(sizeof(*s));
	size_t nkeys = 0, ngroups = 0, cur = 0, rows = 0;
	unsigned int seed = 7;
	char *text = NULL;
	size_t text_len = 0;
	FILE *f;

	ASSERT_TRUE(sm && s);
	variants_make();
	ASSERT_TRUE(nvariants < NVARIANTS);
	for (size_t i = 0; i < nvariants; i++) {
		struct ref_key k;
		size_t j;

		span_of(s, &variants[i], &seed);
		ref_key_of(s, &k);
		for (j = 0; j < nkeys && memcmp(&keys[j], &k, sizeof(k)); j++)
			;
		if (j == nkeys)
			keys[nkeys++] = k;
		for (j = 0; j < ngroups && !ref_same_strings(&groups[j], &k);
		     j++)
			;
		if (j == ngroups) {
			groups[ngroups] = k;
			gmin[ngroups++] = UINT64_MAX;
		}
		variants[i].group = j;
	}

	/*
	 * Each variant once, then runs of one, then another at random. A
	 * span's duration says which group of strings it belongs to: a span
	 * summed into a row of other strings moves that row's extremes out
	 * of its range.
	 */
	for (size_t iter = 0; iter < nvariants + 200000; iter++) {
		const struct variant *v;
		uint64_t ns;

		if (iter < nvariants)
			cur = iter;
		else if (rand_r(&seed) % 4 == 0)
			cur = rand_r(&seed) % nvariants;
		v = &variants[cur];
		ns = 1000 * (uint64_t)(v->group + 1) + rand_r(&seed) % 100;
		span_of(s, v, &seed);
		s->start_ns = 1000000;
		s->end_ns = s->start_ns + ns;
		summary__add(sm, s);
		if (ns < gmin[v->group])
			gmin[v->group] = ns;
		if (ns > gmax[v->group])
			gmax[v->group] = ns;
	}
	for (size_t g = 0; g < ngroups; g++) {
		uint64_t got;
		int err;

		if (gmin[g] == UINT64_MAX)
			continue;
		err = summary__quantile(sm, groups[g].service, groups[g].method,
					groups[g].path, 0.0, &got);
		ASSERT_EQ(err, 0);
		ASSERT_EQ(got, gmin[g]);
		err = summary__quantile(sm, groups[g].service, groups[g].method,
					groups[g].path, 1.0, &got);
		ASSERT_EQ(err, 0);
		ASSERT_EQ(got, gmax[g]);
	}
	/* one row per key: kinds apart, as before (a header line, too) */
	f = open_memstream(&text, &text_len);
	ASSERT_TRUE(f);
	summary__print(sm, f);
	fclose(f);
	for (size_t i = 0; i < text_len; i++)
		rows += text[i] == '\n';
	ASSERT_EQ(rows, nkeys + 1);
	free(text);
	summary__free(sm);
	free(s);
}

/* Kinds that share a last row (all but client's) still get rows apart */
TEST(summary_rows_by_kind_in_runs)
{
	static const struct {
		uint8_t kind;
		const char *abbr;
		int run;
	} kinds[] = {
		{SPAN_KIND_SERVER, "SRV", 5},
		{0, "---", 3},
		{1, "INT", 2},
		{SPAN_KIND_CLIENT, "CLI", 1},
	};
	struct summary *sm = summary__new();
	struct span *s = malloc(sizeof(*s));
	struct variant v = {
		.service = "nginx",
		.service_len = 5,
		.method = "GET",
		.method_len = 3,
		.path = "/index.html",
		.path_len = 11,
		.name = "GET",
	};
	unsigned int seed = 3;
	char *text = NULL, *line;
	size_t text_len = 0, nrows = 0;
	FILE *f;

	ASSERT_TRUE(sm && s);
	for (int rep = 0; rep < 10; rep++) {
		for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
			v.kind = kinds[k].kind;
			for (int i = 0; i < kinds[k].run; i++) {
				span_of(s, &v, &seed);
				s->end_ns = s->start_ns + 1000;
				summary__add(sm, s);
			}
		}
	}
	f = open_memstream(&text, &text_len);
	ASSERT_TRUE(f);
	summary__print(sm, f);
	fclose(f);
	/* SERVICE KIND METHOD PATH COUNT ...: each kind's run times ten */
	for (line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char kind[8];
		int count;

		if (sscanf(line, "nginx %7s GET /index.html %d", kind,
			   &count) != 2)
			continue;
		for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
			if (!strcmp(kind, kinds[k].abbr))
				ASSERT_EQ(count, 10 * kinds[k].run);
		nrows++;
	}
	ASSERT_EQ(nrows, sizeof(kinds) / sizeof(kinds[0]));
	free(text);
	summary__free(sm);
	free(s);
}

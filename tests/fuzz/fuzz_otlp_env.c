// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The OTLP exporter's configuration from a stranger's environment and
 * command line. The input is cut at each NUL or newline into pieces: piece i
 * is the value of pieces[i].var (missing pieces are unset variables), then
 * goes to the flag pieces[i].opt on top, and to the list parser and both URL
 * functions on its own. Besides ASan and UBSan it checks what callers rely
 * on and aborts when one is broken: counts within bounds, header keys
 * tokens, no CR or LF in header values, URLs that an HTTP client can send,
 * messages on one printable line that never show a header or resource
 * attribute value (values carrying SECRET tell).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "export/otlp_config.h"
#include "export/otlp_kvlist.h"
#include "export/otlp_url.h"

/* No message may show it when it is in a header or attribute value. */
#define SECRET "s3cr3t"

static const struct {
	const char *var;
	enum otlp_opt opt;
} pieces_to[] = {
	{"OTEL_EXPORTER_OTLP_ENDPOINT", OTLP_OPT_ENDPOINT},
	{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", OTLP_OPT_TRACES_ENDPOINT},
	{"OTEL_EXPORTER_OTLP_PROTOCOL", OTLP_OPT_PROTOCOL},
	{"OTEL_EXPORTER_OTLP_COMPRESSION", OTLP_OPT_COMPRESSION},
	{"OTEL_EXPORTER_OTLP_HEADERS", OTLP_OPT_HEADER},
	{"OTEL_EXPORTER_OTLP_TIMEOUT", OTLP_OPT_TIMEOUT_MS},
	{"OTEL_SERVICE_NAME", OTLP_OPT_SERVICE_NAME},
	{"OTEL_RESOURCE_ATTRIBUTES", OTLP_OPT_RESOURCE_ATTR},
	{"OTEL_BSP_MAX_QUEUE_SIZE", OTLP_OPT_QUEUE_SIZE},
	{"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", OTLP_OPT_BATCH_SIZE},
	{"OTEL_EXPORTER_OTLP_TRACES_HEADERS", OTLP_OPT_HEADER},
	{"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", OTLP_OPT_TIMEOUT_MS},
	{"OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", OTLP_OPT_COMPRESSION},
	{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", OTLP_OPT_PROTOCOL},
	{"OTEL_BSP_SCHEDULE_DELAY", OTLP_OPT_RESOURCE_ATTR},
};

#define NPIECES (sizeof(pieces_to) / sizeof(pieces_to[0]))

struct fuzz_env {
	const char *val[NPIECES];
	size_t n;
};

static const char *fuzz_getenv(const char *name, void *arg)
{
	const struct fuzz_env *e = arg;

	for (size_t i = 0; i < e->n; i++)
		if (!strcmp(pieces_to[i].var, name))
			return e->val[i];
	return NULL;
}

static bool is_tchar(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') ||
	       (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

static char lower(char ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch;
}

static bool same_key(const char *a, const char *b, bool nocase)
{
	if (!nocase)
		return !strcmp(a, b);
	for (; *a && lower(*a) == lower(*b); a++, b++)
		;
	return !*a && !*b;
}

static void check_msg(const char *msg)
{
	for (const char *p = msg; *p; p++)
		if (*p < 0x20 || *p >= 0x7f)
			abort();
}

static bool is_secret_var(const char *name)
{
	return !strcmp(name, "OTEL_EXPORTER_OTLP_HEADERS") ||
	       !strcmp(name, "OTEL_EXPORTER_OTLP_TRACES_HEADERS") ||
	       !strcmp(name, "OTEL_RESOURCE_ATTRIBUTES");
}

static void check_warning(const char *name, const char *msg, void *arg)
{
	if (!name || !*name || !msg || !*msg)
		abort();
	check_msg(msg);
	if (is_secret_var(name) && strstr(msg, SECRET))
		abort();
	(*(unsigned long *)arg)++;
}

static void check_kv(const struct otlp_kv *kv, size_t n, size_t max,
		     bool header)
{
	if (n > max)
		abort();
	for (size_t i = 0; i < n; i++) {
		const char *k = kv[i].key, *v = kv[i].value;

		if (!k || !*k || !v)
			abort();
		for (; *k; k++)
			if (!is_tchar(*k))
				abort();
		for (; header && *v; v++)
			if ((*v >= 0 && *v < 0x20 && *v != '\t') || *v == 0x7f)
				abort();
		for (size_t j = 0; j < i; j++)
			if (same_key(kv[i].key, kv[j].key, header))
				abort();
	}
}

/* What an HTTP client needs: a scheme, a host, a path, nothing to escape. */
static void check_url(const char *url, bool from_base)
{
	size_t len = strlen(url), auth;
	char *again = NULL;

	if (!strncmp(url, "http://", 7))
		auth = 7;
	else if (!strncmp(url, "https://", 8))
		auth = 8;
	else
		abort();
	for (const char *p = url; *p; p++)
		if (*p <= ' ' || *p >= 0x7f || *p == '#')
			abort();
	auth += strcspn(url + auth, "/?");
	if (url[auth] != '/')
		abort();
	/* exactly one '/' before v1/traces */
	if (from_base && (len < 11 || strcmp(url + len - 10, "/v1/traces") ||
			  url[len - 11] == '/' || strchr(url, '?')))
		abort();
	/* a final URL is its own per-signal URL */
	if (otlp_url__traces_as_is(url, &again) || strcmp(again, url))
		abort();
	free(again);
}

static void check_config(const struct otlp_config *c)
{
	if (c->traces_url)
		check_url(c->traces_url, false);
	if ((unsigned int)c->protocol > OTLP_PROTOCOL_GRPC ||
	    (unsigned int)c->compression > OTLP_COMPRESSION_GZIP)
		abort();
	if (c->timeout_ms < 0 || c->timeout_ms > OTLP_MAX_MS ||
	    c->schedule_delay_ms < 1 || c->schedule_delay_ms > OTLP_MAX_MS)
		abort();
	if (c->queue_size < 1 || c->queue_size > OTLP_MAX_QUEUE_SIZE ||
	    c->batch_size < 1 || c->batch_size > c->queue_size)
		abort();
	if (c->service_name && !*c->service_name)
		abort();
	check_kv(c->headers, c->nheaders, OTLP_MAX_HEADERS, true);
	check_kv(c->resource_attrs, c->nresource_attrs, OTLP_MAX_RESOURCE_ATTRS,
		 false);
}

static void fuzz_flag(struct otlp_config *c, enum otlp_opt opt,
		      const char *value, size_t errlen)
{
	char *err = malloc(errlen);
	const char *flag = otlp_opt__flag(opt), *eq;
	int ret;

	if (!err)
		return;
	memset(err, 'Z', errlen);
	ret = otlp_config__set(c, opt, value, err, errlen);
	if (memchr(err, '\0', errlen) == NULL)
		abort();
	if (!ret) {
		if (err[0])
			abort();
		goto cleanup;
	}
	if (ret != -EINVAL && ret != -E2BIG && ret != -ENOMEM)
		abort();
	check_msg(err);
	if (strncmp(err, flag,
		    errlen - 1 < strlen(flag) ? errlen - 1 : strlen(flag)))
		abort();
	/* a key may be shown: only a SECRET in the key explains one */
	if ((opt == OTLP_OPT_HEADER || opt == OTLP_OPT_RESOURCE_ATTR) &&
	    strstr(err, SECRET)) {
		eq = strchr(value, '=');
		if (!eq || !memmem(value, eq - value, SECRET, strlen(SECRET)))
			abort();
	}
cleanup:
	free(err);
}

static void fuzz_piece(const char *p)
{
	struct otlp_kv kv[4];
	char *base = NULL, *as_is = NULL;
	int rb, ra, r;

	rb = otlp_url__traces_from_base(p, &base);
	ra = otlp_url__traces_as_is(p, &as_is);
	if ((rb && rb != -EINVAL && rb != -ENOMEM) ||
	    (ra && ra != -EINVAL && ra != -ENOMEM))
		abort();
	/* a good base URL is a good per-signal URL */
	if (!rb && ra == -EINVAL)
		abort();
	if (!rb)
		check_url(base, true);
	if (!ra)
		check_url(as_is, false);
	free(base);
	free(as_is);

	for (int header = 0; header < 2; header++) {
		size_t n = 0;

		r = otlp_kvlist__parse(p, kv, 4, &n, header);
		if (r < 0 && r != -E2BIG && r != -ENOMEM)
			abort();
		check_kv(kv, n, 4, header);
		for (size_t i = 0; i < n; i++) {
			free(kv[i].key);
			free(kv[i].value);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_env env = {.n = 0};
	struct otlp_config c;
	unsigned long nwarn = 0;
	char *buf, *p;
	size_t i;
	int ret;

	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	p = buf;
	env.val[env.n++] = p;
	for (i = 0; i < size && env.n < NPIECES; i++) {
		if (buf[i] != '\n' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		env.val[env.n++] = buf + i + 1;
	}

	otlp_config__init(&c);
	ret = otlp_config__load_env(&c, fuzz_getenv, &env, check_warning,
				    &nwarn);
	if (ret && ret != -ENOMEM)
		abort();
	check_config(&c);

	for (i = 0; i < env.n; i++) {
		/* small buffers too: a message is cut, never overrun */
		fuzz_flag(&c, pieces_to[i].opt, env.val[i], 1 + (i * 53) % 300);
		check_config(&c);
		fuzz_piece(env.val[i]);
	}

	otlp_config__free(&c);
	if (c.traces_url || c.service_name || c.nheaders || c.nresource_attrs)
		abort();
	otlp_config__free(&c);
	free(buf);
	return 0;
}

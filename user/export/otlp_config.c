// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Variables are forgiving (warn, fall back) because one bad variable in a
 * deployment should not stop the agent; flags are strict because whoever
 * typed them is there to read the error. Header values (Authorization, API
 * keys) and resource attribute values never reach a message: a bad member
 * is named by its position, a key only once it is known to be a token.
 *
 * Everything here is ASCII-only on purpose (no ctype.h, no strcasecmp):
 * the locale must not change what a variable means.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export/otlp_config.h"
#include "export/otlp_kvlist.h"
#include "export/otlp_url.h"
#include "util/ascii.h"

#define ENV_ENDPOINT "OTEL_EXPORTER_OTLP_ENDPOINT"
#define ENV_TRACES_ENDPOINT "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
#define ENV_HEADERS "OTEL_EXPORTER_OTLP_HEADERS"
#define ENV_TRACES_HEADERS "OTEL_EXPORTER_OTLP_TRACES_HEADERS"
#define ENV_TIMEOUT "OTEL_EXPORTER_OTLP_TIMEOUT"
#define ENV_TRACES_TIMEOUT "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT"
#define ENV_COMPRESSION "OTEL_EXPORTER_OTLP_COMPRESSION"
#define ENV_TRACES_COMPRESSION "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION"
#define ENV_PROTOCOL "OTEL_EXPORTER_OTLP_PROTOCOL"
#define ENV_TRACES_PROTOCOL "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
#define ENV_SERVICE_NAME "OTEL_SERVICE_NAME"
#define ENV_RESOURCE_ATTRS "OTEL_RESOURCE_ATTRIBUTES"
#define ENV_BSP_QUEUE "OTEL_BSP_MAX_QUEUE_SIZE"
#define ENV_BSP_BATCH "OTEL_BSP_MAX_EXPORT_BATCH_SIZE"
#define ENV_BSP_DELAY "OTEL_BSP_SCHEDULE_DELAY"

#define STR(x) #x
#define XSTR(x) STR(x)

/* A message line; long enough for a quoted value and an explanation. */
#define MSG_MAX 512
/* Bytes of a value shown in a message, so one line stays readable. */
#define QUOTE_MAX 64
/* Every byte may become \xNN, plus quotes, "..." and the NUL. */
#define QUOTE_BUF (QUOTE_MAX * 4 + 8)

#define KV_WANT \
	"want key=value, the key an HTTP token, the value percent-encoded"

/*
 * len bytes of s as a double-quoted string fit for one terminal line: a
 * value from the environment may hold escape sequences or newlines.
 */
static const char *quote_n(char buf[QUOTE_BUF], const char *s, size_t len)
{
	size_t o = 0, i;

	buf[o++] = '"';
	for (i = 0; i < len && i < QUOTE_MAX; i++) {
		unsigned char ch = s[i];

		if (ch == '"' || ch == '\\') {
			buf[o++] = '\\';
			buf[o++] = ch;
		} else if (ch < 0x20 || ch >= 0x7f) {
			snprintf(buf + o, 5, "\\x%02x", ch);
			o += 4;
		} else {
			buf[o++] = ch;
		}
	}
	buf[o++] = '"';
	if (i < len) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

static const char *quote(char buf[QUOTE_BUF], const char *s)
{
	return quote_n(buf, s, strlen(s));
}

/*
 * A URL may carry a credential in user:password@ or in its query: such a
 * URL is not shown at all.
 */
static const char *quote_url(char buf[QUOTE_BUF], const char *url)
{
	if (strchr(url, '@') || strchr(url, '?'))
		return "the URL (not shown: it may hold a credential)";
	return quote(buf, url);
}

/* --- scalar values ---------------------------------------------------- */

/* Decimal digits only: a sign or a space is more likely a mistake. */
static int parse_num(const char *s, long min, long max, long *ret)
{
	long v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (!ascii__is_digit(*s))
			return -EINVAL;
		if (v > (max - (*s - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (*s - '0');
	}
	if (v < min)
		return -ERANGE;
	*ret = v;
	return 0;
}

static int parse_timeout(const char *s, long *ret)
{
	return parse_num(s, 0, OTLP_MAX_MS, ret);
}

static int parse_delay(const char *s, long *ret)
{
	return parse_num(s, 1, OTLP_MAX_MS, ret);
}

/* A batch can never be larger than the largest queue. */
static int parse_spans(const char *s, long *ret)
{
	return parse_num(s, 1, OTLP_MAX_QUEUE_SIZE, ret);
}

static int parse_compression(const char *s, long *ret)
{
	if (!ascii__casecmp(s, "none"))
		*ret = OTLP_COMPRESSION_NONE;
	else if (!ascii__casecmp(s, "gzip"))
		*ret = OTLP_COMPRESSION_GZIP;
	else
		return -EINVAL;
	return 0;
}

static int parse_protocol(const char *s, long *ret)
{
	if (!ascii__casecmp(s, "http/protobuf"))
		*ret = OTLP_PROTOCOL_HTTP_PROTOBUF;
	else if (!ascii__casecmp(s, "http/json"))
		*ret = OTLP_PROTOCOL_HTTP_JSON;
	else if (!ascii__casecmp(s, "grpc"))
		*ret = OTLP_PROTOCOL_GRPC;
	else
		return -EINVAL;
	return 0;
}

struct scalar {
	int (*parse)(const char *s, long *ret);
	const char *what; /* completes "VALUE is not ..." */
};

static const struct scalar scalar_timeout = {
	parse_timeout,
	"a whole number of milliseconds from 0 (no limit) to " XSTR(
		OTLP_MAX_MS),
};
static const struct scalar scalar_delay = {
	parse_delay,
	"a whole number of milliseconds from 1 to " XSTR(OTLP_MAX_MS),
};
static const struct scalar scalar_spans = {
	parse_spans,
	"a whole number of spans from 1 to " XSTR(OTLP_MAX_QUEUE_SIZE),
};
static const struct scalar scalar_compression = {
	parse_compression,
	"gzip or none",
};
static const struct scalar scalar_protocol = {
	parse_protocol,
	"http/protobuf, http/json or grpc",
};

/* --- the environment -------------------------------------------------- */

struct env {
	otlp_getenv_fn get;
	void *get_arg;
	otlp_warn_fn warn;
	void *warn_arg;
};

static const char *process_getenv(const char *name, void *arg)
{
	(void)arg;
	return getenv(name);
}

/* "An empty value of an environment variable is the same as unset." */
static const char *env_get(const struct env *e, const char *name)
{
	const char *v = e->get(name, e->get_arg);

	return v && *v ? v : NULL;
}

__attribute__((format(printf, 3, 4))) static void
env_warn(const struct env *e, const char *name, const char *fmt, ...)
{
	char msg[MSG_MAX];
	va_list ap;

	if (!e->warn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	e->warn(name, msg, e->warn_arg);
}

/*
 * The first good one of the per-signal variable vars[0] and the generic one
 * vars[1] (may be NULL) into *ret; *ret kept when neither is good. The bad
 * ones are warned about, saying which value is used instead.
 */
static bool load_scalar(const struct env *e, const char *const vars[2],
			const struct scalar *sc, const char *dflt, long *ret)
{
	const char *bad[2], *badval[2], *used = NULL;
	char q[QUOTE_BUF];
	size_t nbad = 0, i;

	for (i = 0; i < 2 && vars[i] && !used; i++) {
		const char *v = env_get(e, vars[i]);

		if (!v)
			continue;
		if (!sc->parse(v, ret)) {
			used = vars[i];
		} else {
			bad[nbad] = vars[i];
			badval[nbad++] = v;
		}
	}
	for (i = 0; i < nbad; i++) {
		if (used)
			env_warn(e, bad[i], "%s is not %s; ignored, using %s",
				 quote(q, badval[i]), sc->what, used);
		else
			env_warn(e, bad[i], "%s is not %s; using %s",
				 quote(q, badval[i]), sc->what, dflt);
	}
	return used;
}

static bool path_ends_with_traces(const char *url)
{
	size_t len = strlen(url), tlen = sizeof(OTLP_TRACES_PATH) - 1;

	while (len && url[len - 1] == '/')
		len--;
	return len >= tlen && !memcmp(url + len - tlen, OTLP_TRACES_PATH, tlen);
}

/* Per-signal first, then the base URL; a bad one is as if unset. */
static int load_endpoint(struct otlp_config *c, const struct env *e)
{
	static const char *const vars[2] = {ENV_TRACES_ENDPOINT, ENV_ENDPOINT};
	const char *bad[2], *badwhy[2], *badval[2];
	const char *used = NULL, *used_val = NULL;
	char q[QUOTE_BUF], *url = NULL;
	size_t nbad = 0, i;
	int err;

	for (i = 0; i < 2 && !url; i++) {
		const char *v = env_get(e, vars[i]), *why;

		if (!v)
			continue;
		err = otlp_url__build(v, i == 1, &url, &why);
		if (err == -ENOMEM)
			return err;
		if (!err) {
			used = vars[i];
			used_val = v;
			continue;
		}
		bad[nbad] = vars[i];
		badwhy[nbad] = why;
		badval[nbad++] = v;
	}
	for (i = 0; i < nbad; i++)
		env_warn(e, bad[i], "%s %s; ignored%s%s",
			 quote_url(q, badval[i]), badwhy[i],
			 used ? ", using " : "", used ? used : "");
	/* a common mix-up, and the request would go to a path that 404s */
	if (used == vars[1] && path_ends_with_traces(used_val))
		env_warn(e, used,
			 "ends in " OTLP_TRACES_PATH
			 ", but it is a base URL: spans go to %s; to use a URL "
			 "as is, set " ENV_TRACES_ENDPOINT " instead",
			 quote_url(q, url));
	if (url) {
		free(c->traces_url);
		c->traces_url = url;
	}
	return 0;
}

/* The per-signal list replaces the generic one rather than adding to it. */
static int load_headers(struct otlp_config *c, const struct env *e)
{
	const char *name = ENV_TRACES_HEADERS, *v;
	struct otlp_kvlist_report rep;
	int err;

	v = env_get(e, name);
	if (!v) {
		name = ENV_HEADERS;
		v = env_get(e, name);
	}
	if (!v)
		return 0;
	err = otlp_kvlist__parse_report(v, c->headers, OTLP_MAX_HEADERS,
					&c->nheaders, true, &rep);
	if (err)
		return err;
	if (rep.ninvalid)
		env_warn(e, name,
			 "%zu malformed member%s skipped (member %zu "
			 "%s); " KV_WANT ", without control characters",
			 rep.ninvalid, rep.ninvalid > 1 ? "s" : "",
			 rep.first_bad, rep.first_why);
	if (rep.overflow)
		env_warn(e, name,
			 "more than " XSTR(
				 OTLP_MAX_HEADERS) " headers; the rest were "
						   "dropped");
	return 0;
}

/*
 * "In case of any error the entire value SHOULD be discarded": parsed
 * aside, and only a wholly good list reaches c.
 */
static int load_resource_attrs(struct otlp_config *c, const struct env *e)
{
	struct otlp_kv tmp[OTLP_MAX_RESOURCE_ATTRS];
	const char *v = env_get(e, ENV_RESOURCE_ATTRS);
	struct otlp_kvlist_report rep;
	bool overflow;
	size_t n = 0, i;
	int err;

	if (!v)
		return 0;
	err = otlp_kvlist__parse_report(v, tmp, OTLP_MAX_RESOURCE_ATTRS, &n,
					false, &rep);
	if (err)
		goto cleanup;
	if (rep.ninvalid) {
		env_warn(e, ENV_RESOURCE_ATTRS,
			 "%zu malformed member%s (member %zu %s); ignored the "
			 "whole variable; " KV_WANT,
			 rep.ninvalid, rep.ninvalid > 1 ? "s" : "",
			 rep.first_bad, rep.first_why);
		goto cleanup;
	}
	overflow = rep.overflow;
	for (i = 0; i < n; i++) {
		if (otlp_kv__put(c->resource_attrs, OTLP_MAX_RESOURCE_ATTRS,
				 &c->nresource_attrs, tmp[i].key, tmp[i].value,
				 false))
			overflow = true;
		tmp[i].key = tmp[i].value = NULL;
	}
	if (overflow)
		env_warn(e, ENV_RESOURCE_ATTRS,
			 "more than " XSTR(
				 OTLP_MAX_RESOURCE_ATTRS) " attributes; the "
							  "rest were dropped");
cleanup:
	otlp_kv__free(tmp, n);
	return err;
}

static void load_bsp(struct otlp_config *c, const struct env *e)
{
	static const char *const queue_vars[2] = {ENV_BSP_QUEUE, NULL};
	static const char *const batch_vars[2] = {ENV_BSP_BATCH, NULL};
	static const char *const delay_vars[2] = {ENV_BSP_DELAY, NULL};
	long v;
	bool batch_set;

	v = c->queue_size;
	load_scalar(e, queue_vars, &scalar_spans,
		    "the default " XSTR(OTLP_DEFAULT_QUEUE_SIZE), &v);
	c->queue_size = v;
	v = c->batch_size;
	batch_set =
		load_scalar(e, batch_vars, &scalar_spans,
			    "the default " XSTR(OTLP_DEFAULT_BATCH_SIZE), &v);
	c->batch_size = v;
	v = c->schedule_delay_ms;
	load_scalar(e, delay_vars, &scalar_delay,
		    "the default " XSTR(OTLP_DEFAULT_SCHEDULE_DELAY_MS), &v);
	c->schedule_delay_ms = v;

	if (c->batch_size > c->queue_size) {
		/* the default batch under a small queue is no one's mistake */
		if (batch_set)
			env_warn(e, ENV_BSP_BATCH,
				 "%zu is more than the queue size %zu; using "
				 "%zu",
				 c->batch_size, c->queue_size, c->queue_size);
		c->batch_size = c->queue_size;
	}
}

void otlp_config__init(struct otlp_config *c)
{
	memset(c, 0, sizeof(*c));
	c->protocol = OTLP_PROTOCOL_HTTP_PROTOBUF;
	c->compression = OTLP_COMPRESSION_NONE;
	c->timeout_ms = OTLP_DEFAULT_TIMEOUT_MS;
	c->queue_size = OTLP_DEFAULT_QUEUE_SIZE;
	c->batch_size = OTLP_DEFAULT_BATCH_SIZE;
	c->schedule_delay_ms = OTLP_DEFAULT_SCHEDULE_DELAY_MS;
}

int otlp_config__load_env(struct otlp_config *c, otlp_getenv_fn getenv_fn,
			  void *getenv_arg, otlp_warn_fn warn, void *warn_arg)
{
	static const char *const timeout_vars[2] = {ENV_TRACES_TIMEOUT,
						    ENV_TIMEOUT};
	static const char *const compression_vars[2] = {ENV_TRACES_COMPRESSION,
							ENV_COMPRESSION};
	static const char *const protocol_vars[2] = {ENV_TRACES_PROTOCOL,
						     ENV_PROTOCOL};
	const struct env e = {
		.get = getenv_fn ? getenv_fn : process_getenv,
		.get_arg = getenv_arg,
		.warn = warn,
		.warn_arg = warn_arg,
	};
	const char *v;
	long l;
	int err;

	if (!c)
		return -EINVAL;
	err = load_endpoint(c, &e);
	if (err)
		return err;
	err = load_headers(c, &e);
	if (err)
		return err;

	l = c->timeout_ms;
	load_scalar(&e, timeout_vars, &scalar_timeout,
		    "the default " XSTR(OTLP_DEFAULT_TIMEOUT_MS), &l);
	c->timeout_ms = l;
	l = c->compression;
	load_scalar(&e, compression_vars, &scalar_compression, "none", &l);
	c->compression = l;
	l = c->protocol;
	load_scalar(&e, protocol_vars, &scalar_protocol, "http/protobuf", &l);
	c->protocol = l;

	v = env_get(&e, ENV_SERVICE_NAME);
	if (v) {
		char *s = strdup(v);

		if (!s)
			return -ENOMEM;
		free(c->service_name);
		c->service_name = s;
	}
	err = load_resource_attrs(c, &e);
	if (err)
		return err;
	load_bsp(c, &e);
	return 0;
}

/* --- flags ------------------------------------------------------------ */

static const char *const flag_names[] = {
	[OTLP_OPT_ENDPOINT] = "--otlp-endpoint",
	[OTLP_OPT_TRACES_ENDPOINT] = "--otlp-traces-endpoint",
	[OTLP_OPT_PROTOCOL] = "--otlp-protocol",
	[OTLP_OPT_COMPRESSION] = "--otlp-compression",
	[OTLP_OPT_HEADER] = "--otlp-header",
	[OTLP_OPT_TIMEOUT_MS] = "--otlp-timeout-ms",
	[OTLP_OPT_SERVICE_NAME] = "--service-name",
	[OTLP_OPT_RESOURCE_ATTR] = "--resource-attr",
	[OTLP_OPT_QUEUE_SIZE] = "--otlp-queue-size",
	[OTLP_OPT_BATCH_SIZE] = "--otlp-batch-size",
};

const char *otlp_opt__flag(enum otlp_opt opt)
{
	if ((unsigned int)opt >= sizeof(flag_names) / sizeof(flag_names[0]))
		return "?";
	return flag_names[opt];
}

const char *otlp_protocol__name(enum otlp_protocol p)
{
	switch (p) {
	case OTLP_PROTOCOL_HTTP_PROTOBUF:
		return "http/protobuf";
	case OTLP_PROTOCOL_HTTP_JSON:
		return "http/json";
	case OTLP_PROTOCOL_GRPC:
		return "grpc";
	}
	return "?";
}

const char *otlp_compression__name(enum otlp_compression comp)
{
	switch (comp) {
	case OTLP_COMPRESSION_NONE:
		return "none";
	case OTLP_COMPRESSION_GZIP:
		return "gzip";
	}
	return "?";
}

/* "FLAG: message" into err; returns ret. */
__attribute__((format(printf, 5, 6))) static int
flag_fail(char *err, size_t errlen, enum otlp_opt opt, int ret, const char *fmt,
	  ...)
{
	va_list ap;
	int n;

	if (!err || !errlen)
		return ret;
	n = snprintf(err, errlen, "%s: ", otlp_opt__flag(opt));
	if (n >= 0 && (size_t)n < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - n, fmt, ap);
		va_end(ap);
	}
	return ret;
}

static int set_url(struct otlp_config *c, enum otlp_opt opt, const char *value,
		   char *err, size_t errlen)
{
	bool base = opt == OTLP_OPT_ENDPOINT;
	char q[QUOTE_BUF], *url;
	const char *why;
	int ret;

	ret = otlp_url__build(value, base, &url, &why);
	if (ret == -ENOMEM)
		return flag_fail(err, errlen, opt, ret, "out of memory");
	if (ret)
		return flag_fail(
			err, errlen, opt, ret, "%s %s; want %s",
			quote_url(q, value), why,
			base ? "a base URL like http://collector:4318"
			     : "a URL like http://collector:4318/v1/traces");
	free(c->traces_url);
	c->traces_url = url;
	return 0;
}

static int set_scalar(enum otlp_opt opt, const struct scalar *sc,
		      const char *value, long *ret, char *err, size_t errlen)
{
	char q[QUOTE_BUF];

	if (sc->parse(value, ret))
		return flag_fail(err, errlen, opt, -EINVAL, "%s is not %s",
				 quote(q, value), sc->what);
	return 0;
}

static int set_pair(struct otlp_config *c, enum otlp_opt opt, const char *value,
		    char *err, size_t errlen)
{
	bool header = opt == OTLP_OPT_HEADER;
	const char *what = header ? "header" : "attribute";
	struct otlp_kv_member mb = {.header = header, .in_list = false};
	char q[QUOTE_BUF];
	int ret;

	ret = otlp_kv_member__parse(&mb, value, strlen(value));
	if (ret == -ENOMEM)
		return flag_fail(err, errlen, opt, ret, "out of memory");
	if (ret && mb.good_key)
		return flag_fail(err, errlen, opt, ret,
				 "%s %s %s (the value is not shown); " KV_WANT,
				 what, quote_n(q, mb.good_key, mb.good_keylen),
				 mb.why);
	if (ret)
		return flag_fail(err, errlen, opt, ret,
				 "the argument %s; " KV_WANT, mb.why);
	if (header)
		ret = otlp_kv__put(c->headers, OTLP_MAX_HEADERS, &c->nheaders,
				   mb.key, mb.value, true);
	else
		ret = otlp_kv__put(c->resource_attrs, OTLP_MAX_RESOURCE_ATTRS,
				   &c->nresource_attrs, mb.key, mb.value,
				   false);
	if (ret)
		return flag_fail(
			err, errlen, opt, ret, "more than %d %ss; give fewer",
			header ? OTLP_MAX_HEADERS : OTLP_MAX_RESOURCE_ATTRS,
			what);
	return 0;
}

int otlp_config__set(struct otlp_config *c, enum otlp_opt opt,
		     const char *value, char *err, size_t errlen)
{
	long v;
	int ret;

	if (err && errlen)
		err[0] = '\0';
	if (!c || !value)
		return flag_fail(err, errlen, opt, -EINVAL, "no value given");

	switch (opt) {
	case OTLP_OPT_ENDPOINT:
	case OTLP_OPT_TRACES_ENDPOINT:
		return set_url(c, opt, value, err, errlen);
	case OTLP_OPT_PROTOCOL:
		v = c->protocol;
		ret = set_scalar(opt, &scalar_protocol, value, &v, err, errlen);
		c->protocol = v;
		return ret;
	case OTLP_OPT_COMPRESSION:
		v = c->compression;
		ret = set_scalar(opt, &scalar_compression, value, &v, err,
				 errlen);
		c->compression = v;
		return ret;
	case OTLP_OPT_HEADER:
	case OTLP_OPT_RESOURCE_ATTR:
		return set_pair(c, opt, value, err, errlen);
	case OTLP_OPT_TIMEOUT_MS:
		v = c->timeout_ms;
		ret = set_scalar(opt, &scalar_timeout, value, &v, err, errlen);
		c->timeout_ms = v;
		return ret;
	case OTLP_OPT_SERVICE_NAME: {
		char *s;

		if (!*value)
			return flag_fail(err, errlen, opt, -EINVAL,
					 "the name is empty; give a name, or "
					 "leave the flag out");
		s = strdup(value);
		if (!s)
			return flag_fail(err, errlen, opt, -ENOMEM,
					 "out of memory");
		free(c->service_name);
		c->service_name = s;
		return 0;
	}
	case OTLP_OPT_QUEUE_SIZE:
		v = c->queue_size;
		ret = set_scalar(opt, &scalar_spans, value, &v, err, errlen);
		c->queue_size = v;
		/* either order of the two flags ends with a batch that fits */
		if (c->batch_size > c->queue_size)
			c->batch_size = c->queue_size;
		return ret;
	case OTLP_OPT_BATCH_SIZE:
		v = c->batch_size;
		ret = set_scalar(opt, &scalar_spans, value, &v, err, errlen);
		c->batch_size = v;
		if (c->batch_size > c->queue_size)
			c->batch_size = c->queue_size;
		return ret;
	}
	return flag_fail(err, errlen, opt, -EINVAL, "unknown OTLP option %d",
			 (int)opt);
}

void otlp_config__free(struct otlp_config *c)
{
	if (!c)
		return;
	free(c->traces_url);
	free(c->service_name);
	otlp_kv__free(c->headers, c->nheaders);
	otlp_kv__free(c->resource_attrs, c->nresource_attrs);
	otlp_config__init(c);
}

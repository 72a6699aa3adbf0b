// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>

#include "export/otlp_config.h"
#include "test.h"

/* name, value pairs, then NULL */
#define ENV(...)                  \
	(const char *const[])     \
	{                         \
		__VA_ARGS__, NULL \
	}

/* In every value that must never show up in a message. */
#define SECRET "s3cr3t"

#define MAX_WARNINGS 16

struct warnings {
	int n;
	char name[MAX_WARNINGS][64];
	char msg[MAX_WARNINGS][512];
};

static const char *fake_getenv(const char *name, void *arg)
{
	const char *const *kv = arg;

	for (; kv[0]; kv += 2)
		if (!strcmp(kv[0], name))
			return kv[1];
	return NULL;
}

static void record_warning(const char *name, const char *msg, void *arg)
{
	struct warnings *w = arg;

	if (w->n == MAX_WARNINGS)
		return;
	snprintf(w->name[w->n], sizeof(w->name[0]), "%s", name);
	snprintf(w->msg[w->n], sizeof(w->msg[0]), "%s", msg);
	w->n++;
}

static int load(struct otlp_config *c, const char *const *env,
		struct warnings *w)
{
	memset(w, 0, sizeof(*w));
	otlp_config__init(c);
	return otlp_config__load_env(c, fake_getenv, (void *)env,
				     record_warning, w);
}

/* One line of printable ASCII, without SECRET. */
static bool msg_clean(const char *msg)
{
	for (const char *p = msg; *p; p++)
		if (*p < 0x20 || *p >= 0x7f)
			return false;
	return !strstr(msg, SECRET);
}

static const char *header(const struct otlp_config *c, const char *key)
{
	for (size_t i = 0; i < c->nheaders; i++)
		if (!strcmp(c->headers[i].key, key))
			return c->headers[i].value;
	return NULL;
}

static const char *attr(const struct otlp_config *c, const char *key)
{
	for (size_t i = 0; i < c->nresource_attrs; i++)
		if (!strcmp(c->resource_attrs[i].key, key))
			return c->resource_attrs[i].value;
	return NULL;
}

TEST(otlp_env_nothing_set_gives_defaults_export_off)
{
	struct otlp_config c;
	struct warnings w;

	ASSERT_EQ(load(&c, ENV("PATH", "/bin"), &w), 0);
	ASSERT_EQ(w.n, 0);
	ASSERT_TRUE(!c.traces_url);
	ASSERT_EQ(c.protocol, OTLP_PROTOCOL_HTTP_PROTOBUF);
	ASSERT_EQ(c.compression, OTLP_COMPRESSION_NONE);
	ASSERT_EQ(c.timeout_ms, OTLP_DEFAULT_TIMEOUT_MS);
	ASSERT_EQ(c.nheaders, 0);
	ASSERT_TRUE(!c.service_name);
	ASSERT_EQ(c.nresource_attrs, 0);
	ASSERT_EQ(c.queue_size, OTLP_DEFAULT_QUEUE_SIZE);
	ASSERT_EQ(c.batch_size, OTLP_DEFAULT_BATCH_SIZE);
	ASSERT_EQ(c.schedule_delay_ms, OTLP_DEFAULT_SCHEDULE_DELAY_MS);
	otlp_config__free(&c);
}

TEST(otlp_env_endpoints)
{
	struct otlp_config c;
	struct warnings w;

	ASSERT_EQ(load(&c, ENV("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"),
		       &w),
		  0);
	ASSERT_STREQ(c.traces_url, "http://c:4318/v1/traces");
	ASSERT_EQ(w.n, 0);
	otlp_config__free(&c);

	ASSERT_EQ(
		load(&c,
		     ENV("OTEL_EXPORTER_OTLP_ENDPOINT", "http://h:4318/base/"),
		     &w),
		0);
	ASSERT_STREQ(c.traces_url, "http://h:4318/base/v1/traces");
	otlp_config__free(&c);

	ASSERT_EQ(
		load(&c,
		     ENV("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://c:4318"),
		     &w),
		0);
	ASSERT_STREQ(c.traces_url, "http://c:4318/");
	ASSERT_EQ(w.n, 0);
	otlp_config__free(&c);
}

TEST(otlp_env_per_signal_beats_generic)
{
	struct otlp_config c;
	struct warnings w;

	ASSERT_EQ(load(&c,
		       ENV("OTEL_EXPORTER_OTLP_ENDPOINT", "http://generic:4318",
			   "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
			   "http://traces:4318/t", "OTEL_EXPORTER_OTLP_HEADERS",
			   "g=1", "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "t=2",
			   "OTEL_EXPORTER_OTLP_TIMEOUT", "3000",
			   "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "2000",
			   "OTEL_EXPORTER_OTLP_COMPRESSION", "gzip",
			   "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "none",
			   "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc",
			   "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json"),
		       &w),
		  0);
	ASSERT_EQ(w.n, 0);
	ASSERT_STREQ(c.traces_url, "http://traces:4318/t");
	/* the per-signal header list is used alone, not merged */
	ASSERT_EQ(c.nheaders, 1);
	ASSERT_STREQ(header(&c, "t"), "2");
	ASSERT_EQ(c.timeout_ms, 2000);
	ASSERT_EQ(c.compression, OTLP_COMPRESSION_NONE);
	ASSERT_EQ(c.protocol, OTLP_PROTOCOL_HTTP_JSON);
	otlp_config__free(&c);
}

TEST(otlp_env_empty_is_unset)
{
	struct otlp_config c;
	struct warnings w;

	ASSERT_EQ(load(&c,
		       ENV("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318",
			   "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "",
			   "OTEL_EXPORTER_OTLP_HEADERS", "g=1",
			   "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "",
			   "OTEL_EXPORTER_OTLP_TIMEOUT", "3000",
			   "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "",
			   "OTEL_EXPORTER_OTLP_COMPRESSION", "gzip",
			   "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "",
			   "OTEL_EXPORTER_OTLP_PROTOCOL", "http/json",
			   "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "",
			   "OTEL_SERVICE_NAME", "", "OTEL_RESOURCE_ATTRIBUTES",
			   "", "OTEL_BSP_MAX_QUEUE_SIZE", "",
			   "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "",
			   "OTEL_BSP_SCHEDULE_DELAY", ""),
		       &w),
		  0);
	ASSERT_EQ(w.n, 0);
	ASSERT_STREQ(c.traces_url, "http://c:4318/v1/traces");
	ASSERT_EQ(c.nheaders, 1);
	ASSERT_STREQ(header(&c, "g"), "1");
	ASSERT_EQ(c.timeout_ms, 3000);
	ASSERT_EQ(c.compression, OTLP_COMPRESSION_GZIP);
	ASSERT_EQ(c.protocol, OTLP_PROTOCOL_HTTP_JSON);
	ASSERT_TRUE(!c.service_name);
	ASSERT_EQ(c.nresource_attrs, 0);
	ASSERT_EQ(c.queue_size, OTLP_DEFAULT_QUEUE_SIZE);
	ASSERT_EQ(c.batch_size, OTLP_DEFAULT_BATCH_SIZE);
	ASSERT_EQ(c.schedule_delay_ms, OTLP_DEFAULT_SCHEDULE_DELAY_MS);
	otlp_config__free(&c);

	/* all empty: export stays off */
	ASSERT_EQ(load(&c,
		       ENV("OTEL_EXPORTER_OTLP_ENDPOINT", "",
			   "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", ""),
		       &w),
		  0);
	ASSERT_EQ(w.n, 0);
	ASSERT_TRUE(!c.traces_url);
	otlp_config__free(&c);
}

TEST(otlp_env_bad_endpoint_is_unset_with_warning)
{
	struct otlp_config c;
	struct warnings w;

	ASSERT_EQ(load(&c, ENV("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "ftp://x"),
		       &w),
		  0);
	ASSERT_TRUE(!c.traces_url);
	ASSERT_EQ(w.n, 1);
	ASSERT_STREQ(w.name[0], "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
	ASSERT_TRUE(strstr(w.msg[0],
			   "\"ftp://x\" is not an http:// or https:// URL"));
	ASSERT_TRUE(msg_clean(w.msg[0]));
	otlp_config__free(&c);

	/* a bad per-signal endpoint gives way to the generic one */
	ASSERT_EQ(
		load(&c,
		     ENV("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://h:99999",
			 "OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"),
		     &w),
		0);
	ASSERT_STREQ(c.traces_url, "http://c:4318/v1/traces");
	ASSERT_EQ(w.n, 1);
	ASSERT_STREQ(w.name[0], "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
	ASSERT_TRUE(strstr(w.msg[0], "port"));
	ASSERT_TRUE(strstr(w.msg[0], "using OTEL_EXPORTER_OTLP_ENDPOINT"));
	otlp_config__free(&c);

	/* both bad: two warnings, export off */
	ASSERT_EQ(load(&c,
		       ENV("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://",
			   "OTEL_EXPORTER_OTLP_ENDPOINT", "http://c/?q=1"),
		       &w),
		  0);
	ASSERT_TRUE(!c.traces_url);
	ASSERT_EQ(w.n, 2);
	ASSERT_STREQ(w.name[0], "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
	ASSERT_STREQ(w.name[1], "OTEL_EXPORTER_OTLP_ENDPOINT");
	otlp_config__free(&c);
}

TEST(otlp_env_endpoint_credentials_not_shown)
{
	struct otlp_config c;
	struct warnings w;

	ASSERT_EQ(load(&c,
		       ENV("OTEL_EXPORTER_OTLP_ENDPOINT",
			   "http://u:" SECRET "@h:4318"),
		       &w),
		  0);
	ASSERT_TRUE(!c.traces_url);
	ASSERT_EQ(w.n, 1);
	ASSERT_TRUE(msg_clean(w.msg[0]));
	otlp_config__free(&c);

	ASSERT_EQ(load(&c,
		       ENV("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
			   "http://h/?key=" SECRET "#x"),
		       &w),
		  0);
	ASSERT_TRUE(!c.traces_url);
	ASSERT_EQ(w.n, 1);
	ASSERT_TRUE(msg_clean(w.msg[0]));
	otlp_config__free(&c);
}

TEST(otlp_env_base_naming_traces_path_warned)
{
	struct otlp_config c;
	struct warnings w;

	ASSERT_EQ(load(&c,
		       ENV("OTEL_EXPORTER_OTLP_ENDPOINT",
			   "http://c:4318/v1/traces"),
		       &w),
		  0);
	ASSERT_STREQ(c.traces_url, "http://c:4318/v1/traces/v1/traces");
	ASSERT_EQ(w.n, 1);
	ASSERT_STREQ(w.name[0], "OTEL_EXPORTER_OTLP_ENDPOINT");
	ASSERT_TRUE(strstr(w.msg[0], "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"));
	otlp_config__free(&c);
}

TEST(otlp_env_headers_parsed)
{
	struct otlp_config c;
	struct warnings w;

	ASSERT_EQ(
		load(&c,
		     ENV("OTEL_EXPORTER_OTLP_HEADERS", "api-key=a%3Db, x = y"),
		     &w),
		0);
	ASSERT_EQ(w.n, 0);
	ASSERT_EQ(c.nheaders, 2);
	ASSERT_STREQ(c.headers[0].key, "api-key");
	ASSERT_STREQ(c.headers[0].value, "a=b");
	ASSERT_STREQ(c.headers[1].key, "x");
	ASSERT_STREQ(c.headers[1].value, "y");
	otlp_config__free(&c);

	/* a raw space inside a value is kept; '=' after the first too */
	ASSERT_EQ(load(&c,
		       ENV("OTEL_EXPORTER_OTLP_HEADERS",
			   "Authorization=Basic dXNlcg==,\tk=\t,,"),
		       &w),
		  0);
	ASSERT_EQ(w.n, 0);
	ASSERT_EQ(c.nheaders, 2);
	ASSERT_STREQ(header(&c, "Authorization"), "Basic dXNlcg==");
	ASSERT_STREQ(header(&c, "k"), "");
	otlp_config__free(&c);
}

TEST(otlp_env_bad_header_skipped_value_not_shown)
{
	struct otlp_config c;
	struct warnings w;

	ASSERT_EQ(
		load(&c,
		     ENV("OTEL_EXPORTER_OTLP_HEADERS",
			 "good=1,Bearer " SECRET ",k=" SECRET "%0D%0AX-Evil: 1,"
			 "k2=" SECRET ";p=1,k3=" SECRET "%Z1,k4=%00" SECRET
			 "," SECRET " key=1,=" SECRET ",last=2"),
		     &w),
		0);
	ASSERT_EQ(c.nheaders, 2);
	ASSERT_STREQ(header(&c, "good"), "1");
	ASSERT_STREQ(header(&c, "last"), "2");
	ASSERT_EQ(w.n, 1);
	ASSERT_STREQ(w.name[0], "OTEL_EXPORTER_OTLP_HEADERS");
	ASSERT_TRUE(strstr(w.msg[0], "7 malformed members skipped"));
	ASSERT_TRUE(strstr(w.msg[0], "member 2 is not key=value"));
	ASSERT_TRUE(msg_clean(w.msg[0]));
	otlp_config__free(&c);

	/* the per-signal variable is named when it is the one used */
	ASSERT_EQ(load(&c,
		       ENV("OTEL_EXPORTER_OTLP_TRACES_HEADERS",
			   "a=1,b=%0A" SECRET, "OTEL_EXPORTER_OTLP_HEADERS",
			   "c=3"),
		       &w),
		  0);
	ASSERT_EQ(c.nheaders, 1);
	ASSERT_STREQ(header(&c, "a"), "1");
	ASSERT_EQ(w.n, 1);
	ASSERT_STREQ(w.name[0], "OTEL_EXPORTER_OTLP_TRACES_HEADERS");
	ASSERT_TRUE(strstr(w.msg[0], "member 2 has a control character"));
	ASSERT_TRUE(msg_clean(w.msg[0]));
	otlp_config__free(&c);
}

TEST(otlp_env_headers_duplicates_and_too_many)
{
	struct otlp_config c;
	struct warnings w;
	char list[1024];
	size_t o = 0;

	/* HTTP header names ignore case: the later one replaces */
	ASSERT_EQ(load(&c,
		       ENV("OTEL_EXPORTER_OTLP_HEADERS",
			   "X-Key=1,x-key=2,other=3"),
		       &w),
		  0);
	ASSERT_EQ(w.n, 0);
	ASSERT_EQ(c.nheaders, 2);
	ASSERT_STREQ(c.headers[0].key, "X-Key");
	ASSERT_STREQ(c.headers[0].value, "2");
	otlp_config__free(&c);

	for (int i = 0; i < 40; i++)
		o += snprintf(list + o, sizeof(list) - o, "h%d=%d,", i, i);
	/* past the limit a known key still replaces */
	snprintf(list + o, sizeof(list) - o, "h0=last");
	ASSERT_EQ(load(&c, ENV("OTEL_EXPORTER_OTLP_HEADERS", list), &w), 0);
	ASSERT_EQ(c.nheaders, OTLP_MAX_HEADERS);
	ASSERT_STREQ(header(&c, "h0"), "last");
	ASSERT_STREQ(header(&c, "h31"), "31");
	ASSERT_TRUE(!header(&c, "h32"));
	ASSERT_EQ(w.n, 1);
	ASSERT_STREQ(w.name[0], "OTEL_EXPORTER_OTLP_HEADERS");
	ASSERT_TRUE(strstr(w.msg[0], "more than 32"));
	otlp_config__free(&c);
}

TEST(otlp_env_resource_attributes)
{
	struct otlp_config c;
	struct warnings w;

	ASSERT_EQ(load(&c,
		       ENV("OTEL_RESOURCE_ATTRIBUTES",
			   " service.namespace = shop , "
			   "deployment.environment=prod%2Ceu,k=a%20b "),
		       &w),
		  0);
	ASSERT_EQ(w.n, 0);
	ASSERT_EQ(c.nresource_attrs, 3);
	ASSERT_STREQ(attr(&c, "service.namespace"), "shop");
	ASSERT_STREQ(attr(&c, "deployment.environment"), "prod,eu");
	ASSERT_STREQ(attr(&c, "k"), "a b");
	otlp_config__free(&c);

	/* keys are case-sensitive here; the later duplicate wins */
	ASSERT_EQ(load(&c, ENV("OTEL_RESOURCE_ATTRIBUTES", "a=1,A=2,a=3"), &w),
		  0);
	ASSERT_EQ(c.nresource_attrs, 2);
	ASSERT_STREQ(attr(&c, "a"), "3");
	ASSERT_STREQ(attr(&c, "A"), "2");
	otlp_config__free(&c);

	/* control characters are fine in an attribute, not in a header */
	ASSERT_EQ(load(&c, ENV("OTEL_RESOURCE_ATTRIBUTES", "a=x%0Ay"), &w), 0);
	ASSERT_STREQ(attr(&c, "a"), "x\ny");
	otlp_config__free(&c);
}

TEST(otlp_env_resource_attributes_any_error_discards_all)
{
	static const char *const bad[] = {
		"a=1,b=%ZZ",	       "a=1,b=" SECRET ";p=1", "a=1," SECRET,
		"a=1,b=" SECRET "%00", "a=1,b c=" SECRET,      "a=1,=" SECRET,
		"a=1,b=" SECRET "%4",
	};
	struct otlp_config c;
	struct warnings w;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ASSERT_EQ(load(&c, ENV("OTEL_RESOURCE_ATTRIBUTES", bad[i]), &w),
			  0);
		ASSERT_EQ(c.nresource_attrs, 0);
		ASSERT_EQ(w.n, 1);
		ASSERT_STREQ(w.name[0], "OTEL_RESOURCE_ATTRIBUTES");
		ASSERT_TRUE(strstr(w.msg[0], "member 2"));
		ASSERT_TRUE(msg_clean(w.msg[0]));
		otlp_config__free(&c);
	}
}

TEST(otlp_env_resource_attributes_too_many_keeps_first)
{
	struct otlp_config c;
	struct warnings w;
	char list[2048];
	size_t o = 0;

	for (int i = 0; i < 70; i++)
		o += snprintf(list + o, sizeof(list) - o, "%sk%d=v",
			      i ? "," : "", i);
	ASSERT_EQ(load(&c, ENV("OTEL_RESOURCE_ATTRIBUTES", list), &w), 0);
	ASSERT_EQ(c.nresource_attrs, OTLP_MAX_RESOURCE_ATTRS);
	ASSERT_STREQ(attr(&c, "k63"), "v");
	ASSERT_TRUE(!attr(&c, "k64"));
	ASSERT_EQ(w.n, 1);
	ASSERT_TRUE(strstr(w.msg[0], "more than 64"));
	otlp_config__free(&c);
}

TEST(otlp_env_timeout)
{
	static const char *const bad[] = {
		"-5",	     "abc", "",	   " 5",
		"5 ",	     "+5",  "1.5", "99999999999999999999",
		"2147483648"};
	struct otlp_config c;
	struct warnings w;

	ASSERT_EQ(load(&c, ENV("OTEL_EXPORTER_OTLP_TIMEOUT", "0"), &w), 0);
	ASSERT_EQ(c.timeout_ms, 0);
	ASSERT_EQ(w.n, 0);
	otlp_config__free(&c);

	ASSERT_EQ(load(&c, ENV("OTEL_EXPORTER_OTLP_TIMEOUT", "2147483647"), &w),
		  0);
	ASSERT_EQ(c.timeout_ms, 2147483647L);
	otlp_config__free(&c);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ASSERT_EQ(
			load(&c, ENV("OTEL_EXPORTER_OTLP_TIMEOUT", bad[i]), &w),
			0);
		ASSERT_EQ(c.timeout_ms, OTLP_DEFAULT_TIMEOUT_MS);
		otlp_config__free(&c);
		/* empty is unset, not malformed */
		ASSERT_EQ(w.n, *bad[i] ? 1 : 0);
		if (!w.n)
			continue;
		ASSERT_STREQ(w.name[0], "OTEL_EXPORTER_OTLP_TIMEOUT");
		ASSERT_TRUE(strstr(w.msg[0], "using the default 10000"));
	}
	ASSERT_EQ(load(&c, ENV("OTEL_EXPORTER_OTLP_TIMEOUT", "-5"), &w), 0);
	ASSERT_STREQ(w.msg[0],
		     "\"-5\" is not a whole number of milliseconds from 0 (no "
		     "limit) to 2147483647; using the default 10000");
	otlp_config__free(&c);

	/* a bad per-signal value gives way to the generic one */
	ASSERT_EQ(load(&c,
		       ENV("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "abc",
			   "OTEL_EXPORTER_OTLP_TIMEOUT", "3000"),
		       &w),
		  0);
	ASSERT_EQ(c.timeout_ms, 3000);
	ASSERT_EQ(w.n, 1);
	ASSERT_STREQ(w.name[0], "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT");
	ASSERT_TRUE(
		strstr(w.msg[0], "ignored, using OTEL_EXPORTER_OTLP_TIMEOUT"));
	otlp_config__free(&c);
}

TEST(otlp_env_quoted_value_escaped)
{
	struct otlp_config c;
	struct warnings w;
	char long_value[200];

	ASSERT_EQ(load(&c,
		       ENV("OTEL_EXPORTER_OTLP_COMPRESSION", "\x1b[31m\"\\\n"),
		       &w),
		  0);
	ASSERT_EQ(w.n, 1);
	ASSERT_TRUE(msg_clean(w.msg[0]));
	ASSERT_TRUE(strstr(w.msg[0], "\"\\x1b[31m\\\"\\\\\\x0a\""));
	otlp_config__free(&c);

	memset(long_value, 'x', sizeof(long_value) - 1);
	long_value[sizeof(long_value) - 1] = '\0';
	ASSERT_EQ(load(&c, ENV("OTEL_EXPORTER_OTLP_PROTOCOL", long_value), &w),
		  0);
	ASSERT_EQ(w.n, 1);
	ASSERT_TRUE(strstr(w.msg[0], "xxx\"... is not"));
	ASSERT_TRUE(strlen(w.msg[0]) < 160);
	otlp_config__free(&c);
}

TEST(otlp_env_compression)
{
	struct otlp_config c;
	struct warnings w;

	ASSERT_EQ(load(&c, ENV("OTEL_EXPORTER_OTLP_COMPRESSION", "GZIP"), &w),
		  0);
	ASSERT_EQ(c.compression, OTLP_COMPRESSION_GZIP);
	ASSERT_EQ(w.n, 0);
	otlp_config__free(&c);

	ASSERT_EQ(load(&c,
		       ENV("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "None",
			   "OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
		       &w),
		  0);
	ASSERT_EQ(c.compression, OTLP_COMPRESSION_NONE);
	otlp_config__free(&c);

	ASSERT_EQ(load(&c, ENV("OTEL_EXPORTER_OTLP_COMPRESSION", "br"), &w), 0);
	ASSERT_EQ(c.compression, OTLP_COMPRESSION_NONE);
	ASSERT_EQ(w.n, 1);
	ASSERT_STREQ(w.name[0], "OTEL_EXPORTER_OTLP_COMPRESSION");
	ASSERT_STREQ(w.msg[0], "\"br\" is not gzip or none; using none");
	otlp_config__free(&c);
}

TEST(otlp_env_protocol)
{
	struct otlp_config c;
	struct warnings w;

	ASSERT_EQ(load(&c, ENV("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"), &w), 0);
	ASSERT_EQ(c.protocol, OTLP_PROTOCOL_GRPC);
	ASSERT_EQ(w.n, 0);
	otlp_config__free(&c);

	ASSERT_EQ(load(&c,
		       ENV("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "HTTP/JSON"),
		       &w),
		  0);
	ASSERT_EQ(c.protocol, OTLP_PROTOCOL_HTTP_JSON);
	otlp_config__free(&c);

	ASSERT_EQ(
		load(&c,
		     ENV("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json",
			 "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "Http/Protobuf"),
		     &w),
		0);
	ASSERT_EQ(c.protocol, OTLP_PROTOCOL_HTTP_PROTOBUF);
	otlp_config__free(&c);

	ASSERT_EQ(load(&c, ENV("OTEL_EXPORTER_OTLP_PROTOCOL", "thrift"), &w),
		  0);
	ASSERT_EQ(c.protocol, OTLP_PROTOCOL_HTTP_PROTOBUF);
	ASSERT_EQ(w.n, 1);
	ASSERT_STREQ(w.name[0], "OTEL_EXPORTER_OTLP_PROTOCOL");
	ASSERT_TRUE(strstr(w.msg[0], "using http/protobuf"));
	otlp_config__free(&c);
}

TEST(otlp_env_service_name)
{
	struct otlp_config c;
	struct warnings w;

	ASSERT_EQ(load(&c, ENV("OTEL_SERVICE_NAME", "checkout"), &w), 0);
	ASSERT_STREQ(c.service_name, "checkout");
	otlp_config__free(&c);
}

TEST(otlp_env_batch_processor)
{
	struct otlp_config c;
	struct warnings w;

	ASSERT_EQ(load(&c,
		       ENV("OTEL_BSP_MAX_QUEUE_SIZE", "100",
			   "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "50",
			   "OTEL_BSP_SCHEDULE_DELAY", "200"),
		       &w),
		  0);
	ASSERT_EQ(w.n, 0);
	ASSERT_EQ(c.queue_size, 100);
	ASSERT_EQ(c.batch_size, 50);
	ASSERT_EQ(c.schedule_delay_ms, 200);
	otlp_config__free(&c);

	ASSERT_EQ(load(&c,
		       ENV("OTEL_BSP_MAX_QUEUE_SIZE", "0",
			   "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "-1",
			   "OTEL_BSP_SCHEDULE_DELAY", "0"),
		       &w),
		  0);
	ASSERT_EQ(w.n, 3);
	ASSERT_STREQ(w.name[0], "OTEL_BSP_MAX_QUEUE_SIZE");
	ASSERT_STREQ(w.name[1], "OTEL_BSP_MAX_EXPORT_BATCH_SIZE");
	ASSERT_STREQ(w.name[2], "OTEL_BSP_SCHEDULE_DELAY");
	ASSERT_EQ(c.queue_size, OTLP_DEFAULT_QUEUE_SIZE);
	ASSERT_EQ(c.batch_size, OTLP_DEFAULT_BATCH_SIZE);
	ASSERT_EQ(c.schedule_delay_ms, OTLP_DEFAULT_SCHEDULE_DELAY_MS);
	otlp_config__free(&c);

	ASSERT_EQ(load(&c, ENV("OTEL_BSP_MAX_QUEUE_SIZE", "1048577"), &w), 0);
	ASSERT_EQ(w.n, 1);
	ASSERT_EQ(c.queue_size, OTLP_DEFAULT_QUEUE_SIZE);
	otlp_config__free(&c);

	/* a batch larger than the queue is cut to it */
	ASSERT_EQ(load(&c,
		       ENV("OTEL_BSP_MAX_QUEUE_SIZE", "100",
			   "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "500"),
		       &w),
		  0);
	ASSERT_EQ(c.batch_size, 100);
	ASSERT_EQ(w.n, 1);
	ASSERT_STREQ(w.name[0], "OTEL_BSP_MAX_EXPORT_BATCH_SIZE");
	ASSERT_STREQ(w.msg[0],
		     "500 is more than the queue size 100; using 100");
	otlp_config__free(&c);

	/* only a small queue: the default batch follows it, silently */
	ASSERT_EQ(load(&c, ENV("OTEL_BSP_MAX_QUEUE_SIZE", "10"), &w), 0);
	ASSERT_EQ(c.batch_size, 10);
	ASSERT_EQ(w.n, 0);
	otlp_config__free(&c);
}

TEST(otlp_env_null_callbacks)
{
	struct otlp_config c;

	otlp_config__init(&c);
	ASSERT_EQ(otlp_config__load_env(
			  &c, fake_getenv,
			  (void *)ENV("OTEL_EXPORTER_OTLP_TIMEOUT", "x",
				      "OTEL_SERVICE_NAME", "svc"),
			  NULL, NULL),
		  0);
	ASSERT_EQ(c.timeout_ms, OTLP_DEFAULT_TIMEOUT_MS);
	ASSERT_STREQ(c.service_name, "svc");
	otlp_config__free(&c);
	ASSERT_EQ(otlp_config__load_env(NULL, fake_getenv, NULL, NULL, NULL),
		  -EINVAL);
}

TEST(otlp_flags_override_env)
{
	struct otlp_config c;
	struct warnings w;
	char err[256];

	ASSERT_EQ(
		load(&c,
		     ENV("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
			 "http://env:4318/x", "OTEL_EXPORTER_OTLP_HEADERS",
			 "a=1,b=2", "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc",
			 "OTEL_EXPORTER_OTLP_COMPRESSION", "gzip",
			 "OTEL_EXPORTER_OTLP_TIMEOUT", "5", "OTEL_SERVICE_NAME",
			 "env-svc", "OTEL_RESOURCE_ATTRIBUTES", "k=env,j=env"),
		     &w),
		0);
	ASSERT_EQ(w.n, 0);

	ASSERT_EQ(otlp_config__set(&c, OTLP_OPT_ENDPOINT, "http://flag:4318/",
				   err, sizeof(err)),
		  0);
	ASSERT_STREQ(err, "");
	ASSERT_STREQ(c.traces_url, "http://flag:4318/v1/traces");
	ASSERT_EQ(otlp_config__set(&c, OTLP_OPT_TRACES_ENDPOINT,
				   "http://flag:4318", err, sizeof(err)),
		  0);
	ASSERT_STREQ(c.traces_url, "http://flag:4318/");
	ASSERT_EQ(otlp_config__set(&c, OTLP_OPT_ENDPOINT, "https://last", err,
				   sizeof(err)),
		  0);
	ASSERT_STREQ(c.traces_url, "https://last/v1/traces");

	ASSERT_EQ(otlp_config__set(&c, OTLP_OPT_PROTOCOL, "HTTP/json", err,
				   sizeof(err)),
		  0);
	ASSERT_EQ(c.protocol, OTLP_PROTOCOL_HTTP_JSON);
	ASSERT_EQ(otlp_config__set(&c, OTLP_OPT_COMPRESSION, "none", err,
				   sizeof(err)),
		  0);
	ASSERT_EQ(c.compression, OTLP_COMPRESSION_NONE);
	ASSERT_EQ(otlp_config__set(&c, OTLP_OPT_TIMEOUT_MS, "0", err,
				   sizeof(err)),
		  0);
	ASSERT_EQ(c.timeout_ms, 0);
	ASSERT_EQ(otlp_config__set(&c, OTLP_OPT_SERVICE_NAME, "flag-svc", err,
				   sizeof(err)),
		  0);
	ASSERT_STREQ(c.service_name, "flag-svc");

	/* appended, a known key (any case) replaced, ',' and ';' literal */
	ASSERT_EQ(otlp_config__set(&c, OTLP_OPT_HEADER, " A = 10 ", err,
				   sizeof(err)),
		  0);
	ASSERT_EQ(otlp_config__set(&c, OTLP_OPT_HEADER, "x-list=a%2Cb,c;d", err,
				   sizeof(err)),
		  0);
	ASSERT_EQ(c.nheaders, 3);
	ASSERT_STREQ(header(&c, "a"), "10");
	ASSERT_STREQ(header(&c, "b"), "2");
	ASSERT_STREQ(header(&c, "x-list"), "a,b,c;d");

	ASSERT_EQ(otlp_config__set(&c, OTLP_OPT_RESOURCE_ATTR, "k=fl%61g", err,
				   sizeof(err)),
		  0);
	ASSERT_EQ(otlp_config__set(&c, OTLP_OPT_RESOURCE_ATTR, "new=1,2", err,
				   sizeof(err)),
		  0);
	ASSERT_EQ(c.nresource_attrs, 3);
	ASSERT_STREQ(attr(&c, "k"), "flag");
	ASSERT_STREQ(attr(&c, "j"), "env");
	ASSERT_STREQ(attr(&c, "new"), "1,2");

	ASSERT_EQ(otlp_config__set(&c, OTLP_OPT_QUEUE_SIZE, "1048576", err,
				   sizeof(err)),
		  0);
	ASSERT_EQ(c.queue_size, 1048576);
	ASSERT_EQ(otlp_config__set(&c, OTLP_OPT_BATCH_SIZE, "1000", err,
				   sizeof(err)),
		  0);
	ASSERT_EQ(c.batch_size, 1000);
	otlp_config__free(&c);
}

TEST(otlp_flags_queue_and_batch_any_order)
{
	struct otlp_config c;

	otlp_config__init(&c);
	ASSERT_EQ(otlp_config__set(&c, OTLP_OPT_QUEUE_SIZE, "100", NULL, 0), 0);
	ASSERT_EQ(c.batch_size, 100);
	ASSERT_EQ(otlp_config__set(&c, OTLP_OPT_BATCH_SIZE, "500", NULL, 0), 0);
	ASSERT_EQ(c.batch_size, 100);
	otlp_config__free(&c);

	ASSERT_EQ(otlp_config__set(&c, OTLP_OPT_BATCH_SIZE, "500", NULL, 0), 0);
	ASSERT_EQ(otlp_config__set(&c, OTLP_OPT_QUEUE_SIZE, "100", NULL, 0), 0);
	ASSERT_EQ(c.queue_size, 100);
	ASSERT_EQ(c.batch_size, 100);
	otlp_config__free(&c);
}

/* Nothing changed: not a pointer, a count or a number. */
static bool config_same(const struct otlp_config *a,
			const struct otlp_config *b)
{
	return a->traces_url == b->traces_url && a->protocol == b->protocol &&
	       a->compression == b->compression &&
	       a->timeout_ms == b->timeout_ms && a->nheaders == b->nheaders &&
	       a->service_name == b->service_name &&
	       a->nresource_attrs == b->nresource_attrs &&
	       a->queue_size == b->queue_size &&
	       a->batch_size == b->batch_size &&
	       a->schedule_delay_ms == b->schedule_delay_ms &&
	       !memcmp(a->headers, b->headers, sizeof(a->headers)) &&
	       !memcmp(a->resource_attrs, b->resource_attrs,
		       sizeof(a->resource_attrs));
}

/* opt with value fails with ret, leaving c as it was; err is checked. */
#define CHECK_FLAG_FAILS(c, opt, value, ret, err)                             \
	do {                                                                  \
		struct otlp_config _was = *(c);                               \
		int _ret = otlp_config__set(c, opt, value, err, sizeof(err)); \
		ASSERT_EQ(_ret, ret);                                         \
		ASSERT_TRUE(config_same(&_was, c));                           \
		ASSERT_TRUE(!strncmp(err, otlp_opt__flag(opt),                \
				     strlen(otlp_opt__flag(opt))));           \
		ASSERT_TRUE(msg_clean(err));                                  \
	} while (0)

TEST(otlp_flags_bad_values_are_errors)
{
	struct otlp_config c;
	char err[512];

	otlp_config__init(&c);
	ASSERT_EQ(otlp_config__set(&c, OTLP_OPT_ENDPOINT, "http://ok:4318", err,
				   sizeof(err)),
		  0);

	CHECK_FLAG_FAILS(&c, OTLP_OPT_ENDPOINT, "ftp://x", -EINVAL, err);
	ASSERT_TRUE(!strncmp(err,
			     "--otlp-endpoint: \"ftp://x\" is not an http:// "
			     "or https:// URL",
			     strlen("--otlp-endpoint: \"ftp://x\" is not an "
				    "http:// or https:// URL")));
	ASSERT_TRUE(strstr(err, "want a base URL like http://collector:4318"));
	CHECK_FLAG_FAILS(&c, OTLP_OPT_ENDPOINT, "http://h/?a=b", -EINVAL, err);
	CHECK_FLAG_FAILS(&c, OTLP_OPT_TRACES_ENDPOINT, "http://h:0/v1/traces",
			 -EINVAL, err);
	ASSERT_TRUE(strstr(
		err,
		"--otlp-traces-endpoint: \"http://h:0/v1/traces\" has a port"));
	CHECK_FLAG_FAILS(&c, OTLP_OPT_TRACES_ENDPOINT, "http://u:" SECRET "@h/",
			 -EINVAL, err);
	CHECK_FLAG_FAILS(&c, OTLP_OPT_TRACES_ENDPOINT, "http://h/\n", -EINVAL,
			 err);
	CHECK_FLAG_FAILS(&c, OTLP_OPT_TRACES_ENDPOINT, "", -EINVAL, err);

	CHECK_FLAG_FAILS(&c, OTLP_OPT_PROTOCOL, "h2", -EINVAL, err);
	ASSERT_STREQ(err, "--otlp-protocol: \"h2\" is not http/protobuf, "
			  "http/json or grpc");
	CHECK_FLAG_FAILS(&c, OTLP_OPT_COMPRESSION, "zstd", -EINVAL, err);
	ASSERT_STREQ(err, "--otlp-compression: \"zstd\" is not gzip or none");
	CHECK_FLAG_FAILS(&c, OTLP_OPT_TIMEOUT_MS, "-1", -EINVAL, err);
	CHECK_FLAG_FAILS(&c, OTLP_OPT_TIMEOUT_MS, "10s", -EINVAL, err);
	CHECK_FLAG_FAILS(&c, OTLP_OPT_TIMEOUT_MS, "", -EINVAL, err);
	CHECK_FLAG_FAILS(&c, OTLP_OPT_QUEUE_SIZE, "0", -EINVAL, err);
	CHECK_FLAG_FAILS(&c, OTLP_OPT_QUEUE_SIZE, "1048577", -EINVAL, err);
	ASSERT_STREQ(err, "--otlp-queue-size: \"1048577\" is not a whole "
			  "number of spans from 1 to 1048576");
	CHECK_FLAG_FAILS(&c, OTLP_OPT_BATCH_SIZE, "0", -EINVAL, err);
	CHECK_FLAG_FAILS(&c, OTLP_OPT_SERVICE_NAME, "", -EINVAL, err);
	ASSERT_TRUE(!c.service_name);
	CHECK_FLAG_FAILS(&c, (enum otlp_opt)99, "x", -EINVAL, err);
	CHECK_FLAG_FAILS(&c, OTLP_OPT_PROTOCOL, NULL, -EINVAL, err);
	ASSERT_STREQ(c.traces_url, "http://ok:4318/v1/traces");
	otlp_config__free(&c);
}

TEST(otlp_flags_bad_pairs_value_not_shown)
{
	struct otlp_config c;
	char err[512];

	otlp_config__init(&c);
	CHECK_FLAG_FAILS(&c, OTLP_OPT_HEADER,
			 "x-api-key=" SECRET "%0D%0AX-Evil: 1", -EINVAL, err);
	ASSERT_TRUE(strstr(
		err,
		"--otlp-header: header \"x-api-key\" has a control character"));
	CHECK_FLAG_FAILS(&c, OTLP_OPT_HEADER, "x-api-key=" SECRET "\n", -EINVAL,
			 err);
	CHECK_FLAG_FAILS(&c, OTLP_OPT_HEADER, "x-api-key=" SECRET "%G0",
			 -EINVAL, err);
	CHECK_FLAG_FAILS(&c, OTLP_OPT_HEADER, "Bearer " SECRET, -EINVAL, err);
	ASSERT_TRUE(
		strstr(err, "--otlp-header: the argument is not key=value"));
	CHECK_FLAG_FAILS(&c, OTLP_OPT_HEADER, "=" SECRET, -EINVAL, err);
	CHECK_FLAG_FAILS(&c, OTLP_OPT_HEADER, "a b=" SECRET, -EINVAL, err);
	CHECK_FLAG_FAILS(&c, OTLP_OPT_HEADER, "", -EINVAL, err);
	CHECK_FLAG_FAILS(&c, OTLP_OPT_RESOURCE_ATTR, "k=" SECRET "%ZZ", -EINVAL,
			 err);
	ASSERT_TRUE(strstr(
		err, "--resource-attr: attribute \"k\" has a bad %-escape"));
	CHECK_FLAG_FAILS(&c, OTLP_OPT_RESOURCE_ATTR, "k=" SECRET "%00", -EINVAL,
			 err);
	CHECK_FLAG_FAILS(&c, OTLP_OPT_RESOURCE_ATTR, SECRET, -EINVAL, err);
	otlp_config__free(&c);
}

TEST(otlp_flags_too_many_pairs)
{
	struct otlp_config c;
	char err[256], kv[32];

	otlp_config__init(&c);
	for (int i = 0; i < OTLP_MAX_HEADERS; i++) {
		snprintf(kv, sizeof(kv), "h%d=v", i);
		ASSERT_EQ(otlp_config__set(&c, OTLP_OPT_HEADER, kv, err,
					   sizeof(err)),
			  0);
	}
	CHECK_FLAG_FAILS(&c, OTLP_OPT_HEADER, "one-more=v", -E2BIG, err);
	/* replacing needs no room */
	ASSERT_EQ(
		otlp_config__set(&c, OTLP_OPT_HEADER, "H0=w", err, sizeof(err)),
		0);
	ASSERT_STREQ(header(&c, "h0"), "w");
	for (int i = 0; i < OTLP_MAX_RESOURCE_ATTRS; i++) {
		snprintf(kv, sizeof(kv), "a%d=v", i);
		ASSERT_EQ(otlp_config__set(&c, OTLP_OPT_RESOURCE_ATTR, kv, err,
					   sizeof(err)),
			  0);
	}
	CHECK_FLAG_FAILS(&c, OTLP_OPT_RESOURCE_ATTR, "one-more=v", -E2BIG, err);
	otlp_config__free(&c);
}

TEST(otlp_flags_small_or_no_error_buffer)
{
	struct otlp_config c;
	char err[8];

	otlp_config__init(&c);
	memset(err, 'Z', sizeof(err));
	ASSERT_EQ(
		otlp_config__set(&c, OTLP_OPT_PROTOCOL, "x", err, sizeof(err)),
		-EINVAL);
	ASSERT_STREQ(err, "--otlp-");
	ASSERT_EQ(otlp_config__set(&c, OTLP_OPT_PROTOCOL, "x", NULL, 0),
		  -EINVAL);
	ASSERT_EQ(otlp_config__set(&c, OTLP_OPT_PROTOCOL, "x", err, 0),
		  -EINVAL);
	ASSERT_EQ(otlp_config__set(NULL, OTLP_OPT_PROTOCOL, "grpc", NULL, 0),
		  -EINVAL);
	otlp_config__free(&c);
}

TEST(otlp_config_free_is_null_safe_and_reinitialises)
{
	struct otlp_config c;
	struct warnings w;

	otlp_config__free(NULL);
	ASSERT_EQ(load(&c,
		       ENV("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c",
			   "OTEL_EXPORTER_OTLP_HEADERS", "a=1",
			   "OTEL_SERVICE_NAME", "s", "OTEL_RESOURCE_ATTRIBUTES",
			   "k=v", "OTEL_EXPORTER_OTLP_TIMEOUT", "7"),
		       &w),
		  0);
	otlp_config__free(&c);
	ASSERT_TRUE(!c.traces_url && !c.service_name);
	ASSERT_EQ(c.nheaders, 0);
	ASSERT_EQ(c.nresource_attrs, 0);
	ASSERT_EQ(c.timeout_ms, OTLP_DEFAULT_TIMEOUT_MS);
	otlp_config__free(&c);
}

TEST(otlp_names)
{
	ASSERT_STREQ(otlp_protocol__name(OTLP_PROTOCOL_HTTP_PROTOBUF),
		     "http/protobuf");
	ASSERT_STREQ(otlp_protocol__name(OTLP_PROTOCOL_HTTP_JSON), "http/json");
	ASSERT_STREQ(otlp_protocol__name(OTLP_PROTOCOL_GRPC), "grpc");
	ASSERT_STREQ(otlp_compression__name(OTLP_COMPRESSION_GZIP), "gzip");
	ASSERT_STREQ(otlp_compression__name(OTLP_COMPRESSION_NONE), "none");
	ASSERT_STREQ(otlp_opt__flag(OTLP_OPT_RESOURCE_ATTR), "--resource-attr");
	ASSERT_STREQ(otlp_opt__flag(OTLP_OPT_BATCH_SIZE), "--otlp-batch-size");
	ASSERT_STREQ(otlp_opt__flag((enum otlp_opt) - 1), "?");
}

// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The configuration from the OTEL_* variables: what each one sets, which
 * wins, and what a bad one is warned about (never showing a secret).
 */
#include <errno.h>
#include <stdlib.h>

#include "export/otlp_config.h"
#include "otlp_env_fake.h"
#include "test.h"

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

// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The configuration's flags over the variables, the errors a bad flag gives,
 * and the rest of its interface (free, names).
 */
#include <errno.h>
#include <stdlib.h>

#include "export/otlp_config.h"
#include "otlp_env_fake.h"
#include "test.h"

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

// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * OTLP/HTTP answers in JSON: ExportTraceServiceResponse and
 * google.rpc.Status through protobuf's JSON mapping, and the JSON reader
 * under it (escapes, numbers, nesting, malformed text).
 */
#include <errno.h>
#include <stdlib.h>

#include "export/otlp_response.h"
#include "otlp_response_dirty.h"
#include "test.h"

static int json_success(const char *s, struct otlp_response *r)
{
	dirty(r);
	return otlp_response__parse_success(s, strlen(s), OTLP_BODY_JSON, r);
}

/* JSON success bodies */

TEST(otlp_json_camel_case)
{
	struct otlp_response r;

	ASSERT_EQ(json_success("{\"partialSuccess\":{\"rejectedSpans\":\"5\","
			       "\"errorMessage\":\"too old\"}}",
			       &r),
		  0);
	ASSERT_TRUE(r.partial);
	ASSERT_EQ(r.rejected_spans, 5);
	ASSERT_STREQ(r.message, "too old");
}

TEST(otlp_json_snake_case)
{
	struct otlp_response r;

	ASSERT_EQ(json_success(" {\n  \"partial_success\" : {\n"
			       "    \"rejected_spans\" : 7 ,\n"
			       "    \"error_message\" : \"x\"\n  }\n}\n",
			       &r),
		  0);
	ASSERT_TRUE(r.partial);
	ASSERT_EQ(r.rejected_spans, 7);
	ASSERT_STREQ(r.message, "x");
}

/* rejectedSpans spelled as v: the parse result, and the value when 0 */
static int json_rejected(const char *v, int64_t *ret)
{
	struct otlp_response r;
	char body[256];
	int err;

	snprintf(body, sizeof(body),
		 "{\"partialSuccess\":{\"rejectedSpans\":%s}}", v);
	err = json_success(body, &r);
	*ret = r.rejected_spans;
	return err;
}

TEST(otlp_json_rejected_spans_forms)
{
	static const struct {
		const char *v;
		int err;
		int64_t want;
	} cases[] = {
		{"5", 0, 5},
		{"\"5\"", 0, 5},
		{"0", 0, 0},
		{"\"0\"", 0, 0},
		{"-0", 0, 0},
		{"null", 0, 0},
		{"1.5e1", 0, 15},
		{"\"1e2\"", 0, 100},
		{"100e-2", 0, 1},
		{"1.0", 0, 1},
		{"0.0e-7", 0, 0},
		{"0e999999999999999999", 0, 0},
		{"12000000000000000000000e-4", 0, 1200000000000000000LL},
		{"-3", 0, 0}, /* negative clamps */
		{"\"-9223372036854775808\"", 0, 0},
		{"9223372036854775807", 0, INT64_MAX},
		{"\"9223372036854775807\"", 0, INT64_MAX},
		{"9223372036854775808", -EBADMSG, 0},
		{"-9223372036854775809", -EBADMSG, 0},
		{"1e19", -EBADMSG, 0},
		{"1e999999999999999999", -EBADMSG, 0},
		{"1.5", -EBADMSG, 0},
		{"1e-2", -EBADMSG, 0},
		{"\"abc\"", -EBADMSG, 0},
		{"\" 5\"", -EBADMSG, 0},
		{"\"5 \"", -EBADMSG, 0},
		{"\"\"", -EBADMSG, 0},
		{"\"0x10\"", -EBADMSG, 0},
		{"\"+5\"", -EBADMSG, 0},
		{"true", -EBADMSG, 0},
		{"{}", -EBADMSG, 0},
		{"[5]", -EBADMSG, 0},
		{"05", -EBADMSG, 0},
		{"\"05\"", -EBADMSG, 0},
		{"\"000000000000000000000000000000000000000000000000000000000"
		 "00000000000000000005\"",
		 -EBADMSG, 0}, /* longer than any sane spelling */
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t v;
		int err = json_rejected(cases[i].v, &v);

		if (err != cases[i].err || v != cases[i].want) {
			test__fail(__FILE__, __LINE__,
				   "%s: got %d, %" PRId64 ", want %d, %" PRId64,
				   cases[i].v, err, v, cases[i].err,
				   cases[i].want);
			return;
		}
	}
}

TEST(otlp_json_empty_and_absent)
{
	struct otlp_response r;

	ASSERT_EQ(json_success("", &r), 0);
	ASSERT_TRUE(!r.partial);
	ASSERT_STREQ(r.message, "");
	ASSERT_EQ(json_success(" \r\n\t", &r), 0);
	ASSERT_TRUE(!r.partial);
	ASSERT_EQ(json_success("{}", &r), 0);
	ASSERT_TRUE(!r.partial);
	ASSERT_EQ(r.rejected_spans, 0);
	ASSERT_EQ(json_success("{\"partialSuccess\":null}", &r), 0);
	ASSERT_TRUE(!r.partial);
	ASSERT_EQ(json_success("{\"partialSuccess\":{}}", &r), 0);
	ASSERT_TRUE(r.partial);
	ASSERT_EQ(r.rejected_spans, 0);
	ASSERT_STREQ(r.message, "");
	ASSERT_EQ(json_success("{\"partialSuccess\":{\"errorMessage\":null,"
			       "\"rejectedSpans\":null}}",
			       &r),
		  0);
	ASSERT_TRUE(r.partial);
	ASSERT_STREQ(r.message, "");
	/* a byte order mark is allowed before the text */
	ASSERT_EQ(json_success("\xef\xbb\xbf{\"partialSuccess\":"
			       "{\"rejectedSpans\":1}}",
			       &r),
		  0);
	ASSERT_EQ(r.rejected_spans, 1);
	ASSERT_EQ(json_success("\xef\xbb\xbf\n", &r), 0);
	ASSERT_TRUE(!r.partial);
}

TEST(otlp_json_unknown_members_skipped)
{
	struct otlp_response r;

	ASSERT_EQ(
		json_success(
			"{\"foo\":{\"a\":[1,-2.5e+3,{\"b\":[true,false,null]}],"
			"\"c\":\"\\\"}\\\\\"},"
			"\"partialSuccess\":{\"x\":[[],{},[{}]],"
			"\"rejectedSpans\":\"2\",\"y\":{\"z\":-1.5E-3},"
			"\"errorMessage\":\"m\",\"w\":\"\\u00e9\"},"
			"\"bar\":[],\"baz\":\"partialSuccess\","
			"\"partialSuccessX\":{\"rejectedSpans\":9},"
			"\"a_very_long_member_name_that_is_longer_than_any_we_"
			"know\":"
			"{\"rejectedSpans\":9}}",
			&r),
		0);
	ASSERT_TRUE(r.partial);
	ASSERT_EQ(r.rejected_spans, 2);
	ASSERT_STREQ(r.message, "m");
}

TEST(otlp_json_escaped_member_names)
{
	struct otlp_response r;

	ASSERT_EQ(json_success("{\"partial\\u0053uccess\":"
			       "{\"rejected\\u0053pans\":3}}",
			       &r),
		  0);
	ASSERT_TRUE(r.partial);
	ASSERT_EQ(r.rejected_spans, 3);
}

TEST(otlp_json_duplicate_members_last_wins)
{
	struct otlp_response r;

	ASSERT_EQ(json_success("{\"partialSuccess\":{\"rejectedSpans\":1,"
			       "\"errorMessage\":\"a\"},"
			       "\"partialSuccess\":{\"rejectedSpans\":2,"
			       "\"rejected_spans\":3}}",
			       &r),
		  0);
	ASSERT_EQ(r.rejected_spans, 3);
	ASSERT_STREQ(r.message, "a");
}

TEST(otlp_json_malformed)
{
	static const char *const cases[] = {
		"{",
		"}",
		"{\"a\"}",
		"{\"a\":}",
		"{\"a\" 1}",
		"{\"a\":1,}",
		"{,}",
		"{\"a\":1 \"b\":2}",
		"{\"a\":[1,]}",
		"{\"a\":[1 2]}",
		"{\"a\":[}",
		"{'a':1}",
		"{a:1}",
		"[1]",
		"null",
		"\"partialSuccess\"",
		"5",
		"{} x",
		"{}{}",
		"{\"a\":01}",
		"{\"a\":.5}",
		"{\"a\":-}",
		"{\"a\":1.}",
		"{\"a\":1e}",
		"{\"a\":1e+}",
		"{\"a\":+1}",
		"{\"a\":NaN}",
		"{\"a\":Infinity}",
		"{\"a\":tru}",
		"{\"a\":nul}",
		"{\"a\":True}",
		"{\"a\":\"\x01\"}",
		"{\"a\":\"tab\there\"}",
		"{\"a\":\"\\x\"}",
		"{\"a\":\"\\u12\"}",
		"{\"a\":\"\\u12g4\"}",
		"{\"a\":\"\\",
		"{\"a\":\"unterminated}",
		"{\"partialSuccess\":5}",
		"{\"partialSuccess\":[]}",
		"{\"partialSuccess\":\"x\"}",
		"{\"partialSuccess\":{\"errorMessage\":5}}",
		"{\"partialSuccess\":{\"errorMessage\":{}}}",
		"{\"partialSuccess\":{\"rejectedSpans\":\"5\",}}",
		"\xef\xbb{}",
		"<html><body>502 Bad Gateway</body></html>",
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct otlp_response r;
		int err = json_success(cases[i], &r);

		if (err != -EBADMSG || r.partial || r.rejected_spans ||
		    r.message[0]) {
			test__fail(__FILE__, __LINE__, "case %zu \"%s\": %d", i,
				   cases[i], err);
			return;
		}
	}
}

/* {"a": then depth arrays (or objects), closed around a 0, and } */
static int json_nested(size_t depth, bool objects, bool close)
{
	struct otlp_response r;
	size_t i, n = 0, size = 9 + depth * 6;
	char *s = malloc(size);
	int err;

	if (!s)
		return -ENOMEM;
	n += sprintf(s, "{\"a\":");
	for (i = 0; i < depth; i++)
		n += sprintf(s + n, objects ? "{\"a\":" : "[");
	if (close) {
		s[n++] = '0';
		for (i = 0; i < depth; i++)
			s[n++] = objects ? '}' : ']';
		s[n++] = '}';
	}
	dirty(&r);
	err = otlp_response__parse_success(s, n, OTLP_BODY_JSON, &r);
	free(s);
	return err;
}

TEST(otlp_json_depth_bounded)
{
	/* the outer object is level 1, so 31 more make 32 */
	ASSERT_EQ(json_nested(OTLP_RESPONSE_JSON_DEPTH - 1, false, true), 0);
	ASSERT_EQ(json_nested(OTLP_RESPONSE_JSON_DEPTH - 1, true, true), 0);
	ASSERT_EQ(json_nested(OTLP_RESPONSE_JSON_DEPTH, false, true), -EBADMSG);
	ASSERT_EQ(json_nested(OTLP_RESPONSE_JSON_DEPTH, true, true), -EBADMSG);
	/* a bomb is refused at the limit, not by running out of stack */
	ASSERT_EQ(json_nested(500000, false, false), -EBADMSG);
	ASSERT_EQ(json_nested(500000, true, false), -EBADMSG);
	ASSERT_EQ(json_nested(500000, false, true), -EBADMSG);
}

TEST(otlp_json_message_escapes)
{
	struct otlp_response r;

	ASSERT_EQ(json_success("{\"partialSuccess\":{\"errorMessage\":"
			       "\"a\\nb\\u00e9\\ud83d\\ude00|\\ud800x\\udc00"
			       "\\\"\\\\\\/\\t\\b\\f\\r\\u0000\\u001F\\u007f"
			       "\\u20AC\"}}",
			       &r),
		  0);
	ASSERT_STREQ(r.message, "a b\xc3\xa9\xf0\x9f\x98\x80|" R "x" R
				"\"\\/       \xe2\x82\xac");

	/* a high surrogate whose next escape is not a low one */
	ASSERT_EQ(
		json_success("{\"partialSuccess\":{\"errorMessage\":"
			     "\"\\ud83d\\u0041\\ud83d\\ud83d\\ude00\\ud83d\"}}",
			     &r),
		0);
	ASSERT_STREQ(r.message, R "A" R "\xf0\x9f\x98\x80" R);

	/* ... or is a broken escape: still malformed */
	ASSERT_EQ(json_success("{\"partialSuccess\":{\"errorMessage\":"
			       "\"\\ud83d\\udx00\"}}",
			       &r),
		  -EBADMSG);

	/* raw bytes that are not UTF-8 */
	ASSERT_EQ(json_success("{\"partialSuccess\":{\"errorMessage\":"
			       "\"a\xff\xed\xa0\x80z\"}}",
			       &r),
		  0);
	ASSERT_STREQ(r.message, "a" R R R R "z");
}

TEST(otlp_json_long_message_cut)
{
	static char body[8192];
	struct otlp_response r;
	size_t n = 0, i;

	/* 300 escaped e acutes: 127 of them (254 bytes) fit in 255 */
	n += sprintf(body, "{\"partialSuccess\":{\"errorMessage\":\"");
	for (i = 0; i < 300; i++)
		n += sprintf(body + n, "\\u00e9");
	n += sprintf(body + n, "\"}}");
	ASSERT_EQ(otlp_response__parse_success(body, n, OTLP_BODY_JSON, &r), 0);
	ASSERT_EQ(strlen(r.message), 254);
	ASSERT_MEMEQ(r.message + 252, "\xc3\xa9", 3);

	/* 2000 raw 'x', far past the scratch buffer too */
	n = sprintf(body, "{\"partialSuccess\":{\"errorMessage\":\"");
	memset(body + n, 'x', 2000);
	n += 2000;
	n += sprintf(body + n, "\",\"rejectedSpans\":4}}");
	ASSERT_EQ(otlp_response__parse_success(body, n, OTLP_BODY_JSON, &r), 0);
	ASSERT_EQ(strlen(r.message), 255);
	ASSERT_EQ(r.rejected_spans, 4);
}

/* Failure bodies: google.rpc.Status */

TEST(otlp_status_json)
{
	static const char body[] =
		"{\"code\":3,\"message\":\"invalid \\\"trace_id\\\"\\n\","
		"\"details\":[{\"@type\":\"type.googleapis.com/"
		"google.rpc.BadRequest\",\"fieldViolations\":[{\"field\":"
		"\"x\",\"description\":\"y\"}]}]}";
	struct otlp_response r;

	dirty(&r);
	ASSERT_EQ(otlp_response__parse_status(body, sizeof(body) - 1,
					      OTLP_BODY_JSON, &r),
		  0);
	ASSERT_STREQ(r.message, "invalid \"trace_id\" ");
	dirty(&r);
	ASSERT_EQ(otlp_response__parse_status("{\"code\":14}", 11,
					      OTLP_BODY_JSON, &r),
		  0);
	ASSERT_STREQ(r.message, "");
	dirty(&r);
	ASSERT_EQ(otlp_response__parse_status("{\"message\":null}", 16,
					      OTLP_BODY_JSON, &r),
		  0);
	ASSERT_STREQ(r.message, "");
	dirty(&r);
	ASSERT_EQ(otlp_response__parse_status("{\"message\":42}", 14,
					      OTLP_BODY_JSON, &r),
		  -EBADMSG);
	ASSERT_STREQ(r.message, "");
	dirty(&r);
	ASSERT_EQ(otlp_response__parse_status("", 0, OTLP_BODY_JSON, &r), 0);
	ASSERT_STREQ(r.message, "");
}

// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * OTLP/HTTP answers: ExportTraceServiceResponse and google.rpc.Status in
 * protobuf (built by hand, byte by byte), bodies of neither kind, and
 * Content-Type; the JSON bodies are test_otlp_response_json.c's.
 */
#include <errno.h>
#include <stdlib.h>

#include "export/otlp_response.h"
#include "otlp_response_dirty.h"
#include "test.h"

static int pb_success(const uint8_t *b, size_t n, struct otlp_response *r)
{
	dirty(r);
	return otlp_response__parse_success(b, n, OTLP_BODY_PROTOBUF, r);
}

static size_t put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

/*
 * An ExportTraceServiceResponse whose partial_success holds only
 * error_message = msg[0..n), into out; returns its length.
 */
static size_t pb_with_message(uint8_t *out, const char *msg, size_t n)
{
	uint8_t sub[16];
	size_t sn = 0, len = 0;

	sub[sn++] = 0x12; /* field 2 error_message, LEN */
	sn += put_varint(sub + sn, n);
	out[len++] = 0x0a; /* field 1 partial_success, LEN */
	len += put_varint(out + len, sn + n);
	memcpy(out + len, sub, sn);
	len += sn;
	memcpy(out + len, msg, n);
	return len + n;
}

/* Protobuf success bodies */

TEST(otlp_pb_empty_body_accepts_all)
{
	struct otlp_response r;

	ASSERT_EQ(pb_success(NULL, 0, &r), 0);
	ASSERT_TRUE(!r.partial);
	ASSERT_EQ(r.rejected_spans, 0);
	ASSERT_STREQ(r.message, "");
}

TEST(otlp_pb_partial_success)
{
	static const uint8_t body[] = {
		0x0a, 0x0b, /* field 1 partial_success, LEN 11 */
		0x08, 0x05, /*   field 1 rejected_spans, VARINT 5 */
		0x12, 0x07, /*   field 2 error_message, LEN 7 */
		't',  'o',  'o', ' ', 'o', 'l', 'd',
	};
	struct otlp_response r;

	ASSERT_EQ(pb_success(body, sizeof(body), &r), 0);
	ASSERT_TRUE(r.partial);
	ASSERT_EQ(r.rejected_spans, 5);
	ASSERT_STREQ(r.message, "too old");
}

TEST(otlp_pb_partial_success_warning_only)
{
	static const uint8_t warn[] = {
		0x0a, 0x0b, /* field 1 partial_success, LEN 11 */
		0x08, 0x00, /*   field 1 rejected_spans, VARINT 0 */
		0x12, 0x07, /*   field 2 error_message, LEN 7 */
		'w',  'a',  'r', 'n', 'i', 'n', 'g',
	};
	static const uint8_t empty[] = {
		0x0a, 0x00, /* field 1 partial_success, LEN 0 */
	};
	struct otlp_response r;

	ASSERT_EQ(pb_success(warn, sizeof(warn), &r), 0);
	ASSERT_TRUE(r.partial);
	ASSERT_EQ(r.rejected_spans, 0);
	ASSERT_STREQ(r.message, "warning");

	/* present but empty: a partial_success with nothing in it */
	ASSERT_EQ(pb_success(empty, sizeof(empty), &r), 0);
	ASSERT_TRUE(r.partial);
	ASSERT_EQ(r.rejected_spans, 0);
	ASSERT_STREQ(r.message, "");
}

TEST(otlp_pb_unknown_fields_skipped)
{
	static const uint8_t body[] = {
		0x10, 0x96, 0x01, /* field 2, VARINT 150 */
		0x19, 1,    2,	  3,	4,    5,
		6,    7,    8,		     /* field 3, I64 */
		0x22, 0x03, 'a',  'b',	'c', /* field 4, LEN 3 */
		0x2d, 1,    2,	  3,	4,   /* field 5, I32 */
		0xc0, 0x3e, 0x01,	     /* field 1000, VARINT 1 */
		0x0a, 0x1a, /* field 1 partial_success, LEN 26 */
		0x18, 0x01, /*   field 3, VARINT 1 */
		0x21, 1,    2,	  3,	4,    5,
		6,    7,    8,	       /*   field 4, I64 */
		0x08, 0x03,	       /*   field 1 rejected_spans, VARINT 3 */
		0x2a, 0x02, 'x',  'y', /*   field 5, LEN 2 */
		0x12, 0x02, 'h',  'i', /*   field 2 error_message, LEN 2 */
		0x35, 1,    2,	  3,	4,	    /*   field 6, I32 */
		0xf8, 0xff, 0xff, 0xff, 0x0f, 0x00, /* field 2^29-1, VARINT 0 */
		0x10, 0x01,			    /* field 2, VARINT 1 */
		0x1d, 1,    2,	  3,	4,	    /* field 3, I32 */
		0x29, 1,    2,	  3,	4,    5,
		6,    7,    8, /* field 5, I64 */
		0x32, 0x00,    /* field 6, LEN 0 */
	};
	struct otlp_response r;

	ASSERT_EQ(pb_success(body, sizeof(body), &r), 0);
	ASSERT_TRUE(r.partial);
	ASSERT_EQ(r.rejected_spans, 3);
	ASSERT_STREQ(r.message, "hi");
}

TEST(otlp_pb_known_field_with_other_wire_type_is_unknown)
{
	static const uint8_t body[] = {
		0x08, 0x05, /* field 1, VARINT (partial_success is LEN) */
		0x0d, 1,    2,	 3, 4, /* field 1, I32 */
		0x0a, 0x05,	       /* field 1 partial_success, LEN 5 */
		0x0a, 0x01, 'x', /*   field 1, LEN (rejected_spans is VARINT) */
		0x10, 0x02,	 /*   field 2, VARINT (error_message is LEN) */
	};
	struct otlp_response r;

	ASSERT_EQ(pb_success(body, sizeof(body), &r), 0);
	ASSERT_TRUE(r.partial);
	ASSERT_EQ(r.rejected_spans, 0);
	ASSERT_STREQ(r.message, "");
}

TEST(otlp_pb_repeated_partial_success_merges)
{
	static const uint8_t body[] = {
		0x0a, 0x05,	 /* field 1 partial_success, LEN 5 */
		0x08, 0x05,	 /*   field 1 rejected_spans, VARINT 5 */
		0x12, 0x01, 'a', /*   field 2 error_message, LEN 1 */
		0x0a, 0x03,	 /* field 1 partial_success again, LEN 3 */
		0x12, 0x01, 'b', /*   field 2 error_message, LEN 1 */
	};
	struct otlp_response r;

	ASSERT_EQ(pb_success(body, sizeof(body), &r), 0);
	ASSERT_EQ(r.rejected_spans, 5);
	ASSERT_STREQ(r.message, "b");
}

TEST(otlp_pb_truncated_varint)
{
	static const uint8_t in_tag[] = {
		0x80, /* a tag whose varint never ends */
	};
	static const uint8_t crosses_sub_end[] = {
		0x0a, 0x02, /* field 1 partial_success, LEN 2 */
		0x08, 0x96, /*   field 1 rejected_spans, VARINT continued... */
		0x01,	    /* ...by a byte outside the sub-message */
	};
	static const uint8_t eleven_bytes[] = {
		0x10, /* field 2, VARINT of 11 bytes */
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0x01,
	};
	static const uint8_t past_64_bits[] = {
		0x10, /* field 2, VARINT whose tenth byte has more than bit 63
		       */
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02,
	};
	static const uint8_t tag_past_32_bits[] = {
		0x80, 0x80, 0x80, 0x80, 0x80, 0x01, /* field 2^32 */
		0x00,
	};
	struct otlp_response r;

	ASSERT_EQ(pb_success(in_tag, sizeof(in_tag), &r), -EBADMSG);
	ASSERT_EQ(pb_success(crosses_sub_end, sizeof(crosses_sub_end), &r),
		  -EBADMSG);
	ASSERT_EQ(pb_success(eleven_bytes, sizeof(eleven_bytes), &r), -EBADMSG);
	ASSERT_EQ(pb_success(past_64_bits, sizeof(past_64_bits), &r), -EBADMSG);
	ASSERT_EQ(pb_success(tag_past_32_bits, sizeof(tag_past_32_bits), &r),
		  -EBADMSG);
	/* a failed parse leaves r as for an empty body */
	ASSERT_TRUE(!r.partial);
	ASSERT_EQ(r.rejected_spans, 0);
	ASSERT_STREQ(r.message, "");
}

TEST(otlp_pb_length_past_end)
{
	static const uint8_t sub[] = {
		0x0a, 0x05, /* field 1 partial_success, LEN 5 */
		0x08, 0x01, /*   only 2 of the 5 bytes */
	};
	static const uint8_t str[] = {
		0x0a, 0x04,	      /* field 1 partial_success, LEN 4 */
		0x12, 0x09, 'a', 'b', /*   error_message, LEN 9 past the sub */
		'c',  'd',  'e', 'f', 'g', 'h', 'i', /* (outside it) */
	};
	static const uint8_t huge[] = {
		0x0a, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0x01, /* field 1 partial_success, LEN
						 2^64 - 1 */
		0x00,
	};
	static const uint8_t fixed[] = {
		0x19, 1, 2, 3, /* field 3, I64 with 3 bytes */
	};
	struct otlp_response r;

	ASSERT_EQ(pb_success(sub, sizeof(sub), &r), -EBADMSG);
	ASSERT_TRUE(!r.partial);
	ASSERT_EQ(pb_success(str, sizeof(str), &r), -EBADMSG);
	ASSERT_STREQ(r.message, "");
	ASSERT_EQ(pb_success(huge, sizeof(huge), &r), -EBADMSG);
	ASSERT_EQ(pb_success(fixed, sizeof(fixed), &r), -EBADMSG);
	ASSERT_EQ(pb_success((const uint8_t *)"\x2d\x01", 2, &r), -EBADMSG);
}

TEST(otlp_pb_groups_and_bad_wire_types_refused)
{
	static const uint8_t sgroup[] = {0x0b, 0x0c}; /* field 1 SGROUP */
	static const uint8_t egroup[] = {0x14};	      /* field 2 EGROUP */
	static const uint8_t in_sub[] = {
		0x0a, 0x01, /* field 1 partial_success, LEN 1 */
		0x1b,	    /*   field 3, SGROUP */
	};
	static const uint8_t wt6[] = {0x0e, 0x00};    /* wire type 6 */
	static const uint8_t wt7[] = {0x0f, 0x00};    /* wire type 7 */
	static const uint8_t field0[] = {0x00, 0x00}; /* field 0, VARINT */
	struct otlp_response r;

	ASSERT_EQ(pb_success(sgroup, sizeof(sgroup), &r), -EBADMSG);
	ASSERT_EQ(pb_success(egroup, sizeof(egroup), &r), -EBADMSG);
	ASSERT_EQ(pb_success(in_sub, sizeof(in_sub), &r), -EBADMSG);
	ASSERT_EQ(pb_success(wt6, sizeof(wt6), &r), -EBADMSG);
	ASSERT_EQ(pb_success(wt7, sizeof(wt7), &r), -EBADMSG);
	ASSERT_EQ(pb_success(field0, sizeof(field0), &r), -EBADMSG);
}

TEST(otlp_pb_message_repaired)
{
	static const uint8_t body[] = {
		0x0a, 0x13,	 /* field 1 partial_success, LEN 19 */
		0x12, 0x11,	 /*   field 2 error_message, LEN 17 */
		'a',  0xff, 'b', /* a byte that is never UTF-8 */
		0xe2, 0x82,	 /* a truncated euro sign */
		'\n', '\t', 0x7f, 0x00, 0x1b, /* control characters */
		0xc3, 0xa9,		      /* e acute, kept */
		0xc0, 0xaf,		      /* an overlong '/' */
		'z',  '.',  '!',
	};
	struct otlp_response r;

	ASSERT_EQ(pb_success(body, sizeof(body), &r), 0);
	ASSERT_STREQ(r.message, "a" R "b" R "     \xc3\xa9" R R "z.!");
}

TEST(otlp_pb_long_message_cut_at_character_boundary)
{
	static uint8_t body[1024];
	char msg[600];
	struct otlp_response r;
	size_t n;

	/* 254 'a' and a 2-byte e acute: 256 bytes, one more than fits */
	memset(msg, 'a', 254);
	memcpy(msg + 254, "\xc3\xa9zzz", 5);
	n = pb_with_message(body, msg, 259);
	ASSERT_EQ(pb_success(body, n, &r), 0);
	ASSERT_EQ(strlen(r.message), 254);
	ASSERT_EQ(r.message[253], 'a');

	/* 253 'a' and a 3-byte euro sign */
	memset(msg, 'a', 253);
	memcpy(msg + 253, "\xe2\x82\xac", 3);
	n = pb_with_message(body, msg, 256);
	ASSERT_EQ(pb_success(body, n, &r), 0);
	ASSERT_EQ(strlen(r.message), 253);

	/* exactly 255 bytes fit */
	memset(msg, 'b', 255);
	n = pb_with_message(body, msg, 255);
	ASSERT_EQ(pb_success(body, n, &r), 0);
	ASSERT_EQ(strlen(r.message), 255);

	/* much longer, with a replacement character straddling the end */
	memset(msg, 'c', sizeof(msg));
	msg[254] = (char)0xff;
	n = pb_with_message(body, msg, sizeof(msg));
	ASSERT_EQ(pb_success(body, n, &r), 0);
	ASSERT_EQ(strlen(r.message), 254);
}

TEST(otlp_pb_rejected_spans_range)
{
	static const uint8_t negative[] = {
		0x0a, 0x0b, /* field 1 partial_success, LEN 11 */
		0x08,	    /*   field 1 rejected_spans, VARINT -5 (10 bytes) */
		0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
	};
	static const uint8_t max[] = {
		0x0a, 0x0a, /* field 1 partial_success, LEN 10 */
		0x08,	    /*   field 1 rejected_spans, VARINT INT64_MAX */
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
	};
	struct otlp_response r;

	ASSERT_EQ(pb_success(negative, sizeof(negative), &r), 0);
	ASSERT_TRUE(r.partial);
	ASSERT_EQ(r.rejected_spans, 0);
	ASSERT_EQ(pb_success(max, sizeof(max), &r), 0);
	ASSERT_EQ(r.rejected_spans, INT64_MAX);
}

TEST(otlp_body_too_big_not_parsed)
{
	static const uint8_t body[1];
	struct otlp_response r;

	/* the length is refused before a byte is read */
	ASSERT_EQ(otlp_response__parse_success(body, OTLP_RESPONSE_BODY_MAX + 1,
					       OTLP_BODY_JSON, &r),
		  -EMSGSIZE);
	ASSERT_EQ(otlp_response__parse_status(body, OTLP_RESPONSE_BODY_MAX + 1,
					      OTLP_BODY_PROTOBUF, &r),
		  -EMSGSIZE);
	ASSERT_STREQ(r.message, "");
}

/* Failure bodies: google.rpc.Status */

TEST(otlp_status_protobuf)
{
	static const uint8_t body[] = {
		0x08, 0x03, /* field 1 code, VARINT 3 (INVALID_ARGUMENT) */
		0x12, 0x0b, /* field 2 message, LEN 11 */
		'b',  'a',  'd',  ' ',	'r',  'e',  'q',
		'u',  'e',  's',  't',	0x1a, 0x0c, /* field 3 details, LEN 12:
						       an Any, not read */
		0x0a, 0x04, 't',  'y',	'p',  'e',  /*   type_url */
		0x12, 0x04, 0xff, 0xff, 0xff, 0xff, /*   value */
		0x1a, 0x02, 0x0b, 0x0c, /* field 3 details: garbage, not read */
	};
	static const uint8_t no_message[] = {
		0x08, 0x0e, /* field 1 code, VARINT 14 (UNAVAILABLE) */
	};
	struct otlp_response r;

	dirty(&r);
	ASSERT_EQ(otlp_response__parse_status(body, sizeof(body),
					      OTLP_BODY_PROTOBUF, &r),
		  0);
	ASSERT_STREQ(r.message, "bad request");
	dirty(&r);
	ASSERT_EQ(otlp_response__parse_status(no_message, sizeof(no_message),
					      OTLP_BODY_PROTOBUF, &r),
		  0);
	ASSERT_STREQ(r.message, "");
	dirty(&r);
	ASSERT_EQ(otlp_response__parse_status(NULL, 0, OTLP_BODY_PROTOBUF, &r),
		  0);
	ASSERT_STREQ(r.message, "");
	/* cut inside the message */
	dirty(&r);
	ASSERT_EQ(otlp_response__parse_status(body, 8, OTLP_BODY_PROTOBUF, &r),
		  -EBADMSG);
	ASSERT_STREQ(r.message, "");
}

TEST(otlp_status_from_a_proxy)
{
	static const char html[] = "<html><head><title>502 Bad Gateway</title>"
				   "</head><body>nginx</body></html>\r\n";
	static const char text[] = "upstream connect error or disconnect";
	struct otlp_response r;
	int err;

	dirty(&r);
	ASSERT_EQ(otlp_response__parse_status(html, sizeof(html) - 1,
					      OTLP_BODY_JSON, &r),
		  -EBADMSG);
	ASSERT_STREQ(r.message, "");
	/* '<' is 0x3c: field 7, EGROUP */
	dirty(&r);
	ASSERT_EQ(otlp_response__parse_status(html, sizeof(html) - 1,
					      OTLP_BODY_PROTOBUF, &r),
		  -EBADMSG);
	ASSERT_STREQ(r.message, "");
	dirty(&r);
	ASSERT_EQ(otlp_response__parse_status(text, sizeof(text) - 1,
					      OTLP_BODY_JSON, &r),
		  -EBADMSG);
	ASSERT_STREQ(r.message, "");
	/* text may happen to read as unknown protobuf fields: no message */
	dirty(&r);
	err = otlp_response__parse_status(text, sizeof(text) - 1,
					  OTLP_BODY_PROTOBUF, &r);
	ASSERT_TRUE(err == 0 || err == -EBADMSG);
	ASSERT_STREQ(r.message, "");
}

/* Content-Type */

TEST(otlp_body_type)
{
	static const struct {
		const char *ct;
		int err;
		enum otlp_body_type type;
	} cases[] = {
		{"application/x-protobuf", 0, OTLP_BODY_PROTOBUF},
		{"application/protobuf", 0, OTLP_BODY_PROTOBUF},
		{"application/json", 0, OTLP_BODY_JSON},
		{"Application/JSON", 0, OTLP_BODY_JSON},
		{"APPLICATION/X-PROTOBUF", 0, OTLP_BODY_PROTOBUF},
		{"application/json; charset=utf-8", 0, OTLP_BODY_JSON},
		{"application/json;charset=UTF-8", 0, OTLP_BODY_JSON},
		{" application/json ; charset=utf-8", 0, OTLP_BODY_JSON},
		{"\tapplication/json\t", 0, OTLP_BODY_JSON},
		{"application/json;", 0, OTLP_BODY_JSON},
		{"application/x-protobuf; proto=x", 0, OTLP_BODY_PROTOBUF},
		{"", -ENOENT, 0},
		{" ", -ENOENT, 0},
		{";charset=utf-8", -ENOENT, 0},
		{"text/html", -ENOENT, 0},
		{"text/plain; charset=utf-8", -ENOENT, 0},
		{"application/jsonx", -ENOENT, 0},
		{"application/json+x", -ENOENT, 0},
		{"application/grpc", -ENOENT, 0},
		{"application/x-protobuf-x", -ENOENT, 0},
		{"application/ json", -ENOENT, 0},
		{"application", -ENOENT, 0},
	};
	enum otlp_body_type t;
	size_t i;

	ASSERT_EQ(otlp_response__body_type(NULL, &t), -ENOENT);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int err;

		t = (enum otlp_body_type) - 1;
		err = otlp_response__body_type(cases[i].ct, &t);
		if (err != cases[i].err || (!err && t != cases[i].type)) {
			test__fail(__FILE__, __LINE__, "\"%s\": %d, %d",
				   cases[i].ct, err, (int)t);
			return;
		}
	}
}

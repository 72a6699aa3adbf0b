// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>

#include "test.h"
#include "span/traceparent.h"

#define TID "4bf92f3577b34da6a3ce929d0e0e4736"
#define PID "00f067aa0ba902b7"
#define VALID "00-" TID "-" PID "-01"

struct tp_case {
	const char *s;
	size_t len;
};

/* A literal with its length, so NUL bytes inside it count. */
#define C(lit)                       \
	{                            \
		lit, sizeof(lit) - 1 \
	}

static const uint8_t valid_tid[16] = {0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3,
				      0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d,
				      0x0e, 0x0e, 0x47, 0x36};
static const uint8_t valid_pid[8] = {0x00, 0xf0, 0x67, 0xaa,
				     0x0b, 0xa9, 0x02, 0xb7};

TEST(traceparent_valid_example)
{
	struct trace_context ctx;

	memset(&ctx, 0xaa, sizeof(ctx));
	ASSERT_EQ(traceparent__parse(VALID, strlen(VALID), &ctx), 0);
	ASSERT_MEMEQ(ctx.trace_id, valid_tid, 16);
	ASSERT_MEMEQ(ctx.parent_id, valid_pid, 8);
	ASSERT_EQ(ctx.flags, 0x01);
	ASSERT_EQ(ctx.version, 0);
	/* a stale tracestate must not survive a new traceparent */
	ASSERT_EQ(ctx.tracestate_len, 0);
}

TEST(traceparent_accepted)
{
	static const struct tp_case ok[] = {
		C(VALID),
		C("00-" TID "-" PID "-00"),
		C("00-" TID "-" PID "-ff"),
		C(" " VALID),
		C(VALID " "),
		C("\t" VALID "\t"),
		C(" \t  " VALID " \t "),
		C("00-00000000000000000000000000000001-0000000000000001-01"),
		/* later versions: the first four fields, then '-' or end */
		C("cc-" TID "-" PID "-01"),
		C("cc-" TID "-" PID "-01-extra"),
		C("cc-" TID "-" PID "-01-"),
		C("cc-" TID "-" PID "-01-what-ever=123"),
		C("01-" TID "-" PID "-01-x"),
		C("fe-" TID "-" PID "-01"),
		C("\tcc-" TID "-" PID "-01-extra "),
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct trace_context ctx;

		if (traceparent__parse(ok[i].s, ok[i].len, &ctx)) {
			test__fail(__FILE__, __LINE__, "rejected [%zu] \"%s\"",
				   i, ok[i].s);
			return;
		}
	}
}

TEST(traceparent_rejected)
{
	static const struct tp_case bad[] = {
		C(""),
		C("   "),
		C("00"),
		/* uppercase hex in each field */
		C("0A-" TID "-" PID "-01"),
		C("CC-" TID "-" PID "-01"),
		C("00-4BF92F3577B34DA6A3CE929D0E0E4736-" PID "-01"),
		C("00-4bf92f3577b34da6a3ce929d0e0e473A-" PID "-01"),
		C("00-" TID "-00F067AA0BA902B7-01"),
		C("00-" TID "-00f067aa0ba902bB-01"),
		C("00-" TID "-" PID "-0A"),
		C("00-" TID "-" PID "-A1"),
		/* version ff, all-zero ids */
		C("ff-" TID "-" PID "-01"),
		C("ff-" TID "-" PID "-01-extra"),
		C("00-00000000000000000000000000000000-" PID "-01"),
		C("00-" TID "-0000000000000000-01"),
		C("cc-00000000000000000000000000000000-" PID "-01-x"),
		/* version 00 is exactly 55 characters */
		C("00-" TID "-" PID "-1"),
		C("00-" TID "-" PID "-011"),
		C("00-" TID "-" PID "-01-"),
		C("00-" TID "-" PID "-01-extra"),
		C("00-" TID "-" PID "-01."),
		C("00-" TID "-" PID "-01 x"),
		/* later versions */
		C("cc-" TID "-" PID "-1"),
		C("cc-" TID "-" PID "-01.extra"),
		C("cc-" TID "-" PID "-01extra"),
		C("cc-" TID "-" PID "-01-ex tra"),
		C("cc-" TID "-" PID "-01-ex\ttra"),
		C("cc-" TID "-" PID "-01-ex\0tra"),
		C("cc-" TID "-" PID "-01-ex\x80tra"),
		C("cc-" TID "-" PID "-01-\x7f"),
		/* version prefix */
		C("0g-" TID "-" PID "-01"),
		C("0-" TID "-" PID "-01x"),
		C("000-" TID "-" PID "-1"),
		C("00_" TID "-" PID "-01"),
		C("-00" TID "-" PID "-01"),
		/* dashes */
		C("00-" TID "_" PID "-01"),
		C("00-" TID "-" PID "_01"),
		C("00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01"),
		C("00-" TID "-00f067aa0ba902b-701"),
		C("00-" TID "-" PID "--1"),
		C("00--" TID PID "-01"),
		/* flags */
		C("00-" TID "-" PID "-0g"),
		C("00-" TID "-" PID "-zz"),
		C("00-" TID "-" PID "- 1"),
		/* spaces inside, NUL, 8-bit, other blanks */
		C("00-" TID " -" PID "-01"),
		C("00 -" TID "-" PID "-01"),
		C("00-4bf92f3577b34da6 3ce929d0e0e4736-" PID "-01"),
		C("00-" TID "-" PID "-0\0"),
		C("00-4bf92f3577b34da6\0a3ce929d0e0e4736-" PID "-01"),
		C(VALID "\0"),
		C("\0" VALID),
		C("00-4bf92f3577b34da6\xe3"
		  "ce929d0e0e4736-" PID "-01"),
		C("00-" TID "-" PID "-\xb1\xb1"),
		C("\xa0" VALID),
		C("\r" VALID),
		C(VALID "\r\n"),
		C(VALID "\v"),
		C("\f" VALID),
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct trace_context ctx;

		if (traceparent__parse(bad[i].s, bad[i].len, &ctx) != -EINVAL) {
			test__fail(__FILE__, __LINE__, "accepted [%zu] \"%s\"",
				   i, bad[i].s);
			return;
		}
	}
}

TEST(traceparent_exact_lengths)
{
	char buf[64];
	struct trace_context ctx;

	/* 00 with 54 and 56 characters, cc with exactly 55 */
	memcpy(buf, VALID, 55);
	ASSERT_EQ(traceparent__parse(buf, 54, &ctx), -EINVAL);
	buf[55] = '1';
	ASSERT_EQ(traceparent__parse(buf, 56, &ctx), -EINVAL);
	buf[55] = '-';
	ASSERT_EQ(traceparent__parse(buf, 56, &ctx), -EINVAL);
	ASSERT_EQ(traceparent__parse(buf, 55, &ctx), 0);
	buf[0] = 'c';
	buf[1] = 'c';
	ASSERT_EQ(traceparent__parse(buf, 55, &ctx), 0);
	ASSERT_EQ(ctx.version, 0xcc);
	ASSERT_EQ(traceparent__parse(buf, 54, &ctx), -EINVAL);
	/* a later version's extra field is not read */
	ASSERT_EQ(traceparent__parse(buf, 56, &ctx), 0);
	ASSERT_EQ(traceparent__parse(NULL, 0, &ctx), -EINVAL);
}

TEST(traceparent_later_version_fields)
{
	static const char v[] = "\t cc-" TID "-" PID "-03-extra ";
	struct trace_context ctx;

	ASSERT_EQ(traceparent__parse(v, sizeof(v) - 1, &ctx), 0);
	ASSERT_EQ(ctx.version, 0xcc);
	ASSERT_MEMEQ(ctx.trace_id, valid_tid, 16);
	ASSERT_MEMEQ(ctx.parent_id, valid_pid, 8);
	ASSERT_EQ(ctx.flags, 0x03);
}

TEST(traceparent_flags_kept_whole)
{
	static const char v[] = "00-" TID "-" PID "-fe";
	struct trace_context ctx;

	ASSERT_EQ(traceparent__parse(v, sizeof(v) - 1, &ctx), 0);
	ASSERT_EQ(ctx.flags, 0xfe);
	ASSERT_TRUE(!(ctx.flags & TRACE_FLAG_SAMPLED));
	ASSERT_TRUE(ctx.flags & TRACE_FLAG_RANDOM);
}

TEST(traceparent_failure_leaves_ctx)
{
	static const char v[] = "00-" TID "-" PID "-0G";
	struct trace_context ctx, before;

	memset(&ctx, 0x5a, sizeof(ctx));
	ctx.tracestate_len = 7;
	before = ctx;
	ASSERT_EQ(traceparent__parse(v, sizeof(v) - 1, &ctx), -EINVAL);
	ASSERT_MEMEQ(&ctx, &before, sizeof(ctx));
}

/* --- tracestate ------------------------------------------------------- */

/* A context with a valid traceparent and a stale tracestate. */
static void ctx_init(struct trace_context *ctx)
{
	memset(ctx, 0x77, sizeof(*ctx));
	traceparent__parse(VALID, strlen(VALID), ctx);
	memcpy(ctx->tracestate, "old=1", 5);
	ctx->tracestate_len = 5;
}

static int ts_parse(struct trace_context *ctx, const char *const *strs,
		    size_t n)
{
	struct tracestate_part parts[16];

	for (size_t i = 0; i < n && i < 16; i++) {
		parts[i].p = strs[i];
		parts[i].len = strlen(strs[i]);
	}
	return tracestate__parse(parts, n, ctx);
}

#define STRS(...) ((const char *const[]){__VA_ARGS__})
#define NSTRS(...) (sizeof(STRS(__VA_ARGS__)) / sizeof(const char *))

/* Parse the parts given (C strings) and expect the kept list want. */
#define CHECK_TS_OK(want, ...)                                                \
	do {                                                                  \
		struct trace_context _c;                                      \
		const char *_w = (want);                                      \
		ctx_init(&_c);                                                \
		ASSERT_EQ(                                                    \
			ts_parse(&_c, STRS(__VA_ARGS__), NSTRS(__VA_ARGS__)), \
			0);                                                   \
		ASSERT_EQ(_c.tracestate_len, strlen(_w));                     \
		ASSERT_MEMEQ(_c.tracestate, _w, strlen(_w));                  \
		ASSERT_MEMEQ(_c.trace_id, valid_tid, 16);                     \
	} while (0)

/* Parse the parts given and expect the whole tracestate discarded. */
#define CHECK_TS_BAD(...)                                                     \
	do {                                                                  \
		struct trace_context _c;                                      \
		ctx_init(&_c);                                                \
		ASSERT_EQ(                                                    \
			ts_parse(&_c, STRS(__VA_ARGS__), NSTRS(__VA_ARGS__)), \
			-EINVAL);                                             \
		ASSERT_EQ(_c.tracestate_len, 0);                              \
		ASSERT_MEMEQ(_c.trace_id, valid_tid, 16);                     \
		ASSERT_MEMEQ(_c.parent_id, valid_pid, 8);                     \
		ASSERT_EQ(_c.flags, 1);                                       \
		ASSERT_EQ(_c.version, 0);                                     \
	} while (0)

TEST(tracestate_valid)
{
	CHECK_TS_OK("foo=bar", "foo=bar");
	CHECK_TS_OK("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE",
		    "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
	CHECK_TS_OK("tenant@system=1,a_b-c*d/e@f=x",
		    "tenant@system=1,a_b-c*d/e@f=x");
	CHECK_TS_OK("1a=b,9=!", "1a=b,9=!");
	/* every nblk-chr in a value */
	CHECK_TS_OK("k=!\"#$%&'()*+-./09:;<>?@AZ[\\]^_`az{|}~",
		    "k=!\"#$%&'()*+-./09:;<>?@AZ[\\]^_`az{|}~");
	CHECK_TS_OK("k=a b  c", "k=a b  c");
}

TEST(tracestate_empty)
{
	struct trace_context ctx;

	ctx_init(&ctx);
	ASSERT_EQ(tracestate__parse(NULL, 0, &ctx), 0);
	ASSERT_EQ(ctx.tracestate_len, 0);
	CHECK_TS_OK("", "");
	CHECK_TS_OK("", " ", "\t", ",", " , ,\t,");
	{
		struct tracestate_part p[2] = {{NULL, 0}, {"", 0}};

		ctx_init(&ctx);
		ASSERT_EQ(tracestate__parse(p, 2, &ctx), 0);
		ASSERT_EQ(ctx.tracestate_len, 0);
	}
}

TEST(tracestate_ows_and_empty_members)
{
	CHECK_TS_OK("a=1,b=2", " , a=1 ,\t,  b=2\t, ");
	CHECK_TS_OK("a=1,b=2", ",,a=1,,,b=2,,");
	CHECK_TS_OK("a=1,b=2", "\ta=1\t \t,\t b=2");
	/* a value's leading spaces are its own, trailing ones are OWS */
	CHECK_TS_OK("foo=  bar", "foo=  bar  ");
	CHECK_TS_OK("a=1,foo= x,b=2", "a=1,foo= x ,b=2");
	CHECK_TS_OK("foo= x", "  foo= x\t");
}

TEST(tracestate_parts_combined_in_order)
{
	CHECK_TS_OK("a=1,b=2,c=3", "a=1,b=2", "c=3");
	CHECK_TS_OK("c=3,a=1,b=2", "c=3", "a=1,b=2");
	CHECK_TS_OK("a=1,b=2", "a=1", "", "b=2");
	CHECK_TS_OK("a=1,b=2,c=3", " a=1 ,", " ,b=2", "c=3 ");
	/* the join adds a ',' between parts: no member spans two */
	CHECK_TS_OK("a=1,b=2", "a=1", "b=2");
	CHECK_TS_BAD("a", "=1");
	/* one bad member in any part discards all */
	CHECK_TS_BAD("a=1,b=2", "c=3,D=4");
	CHECK_TS_BAD("a=1", "", "b=");
}

TEST(tracestate_duplicate_keys_kept)
{
	CHECK_TS_OK("a=1,a=2", "a=1,a=2");
	CHECK_TS_OK("a=1,b=2,a=1", "a=1,b=2", "a=1");
}

TEST(tracestate_invalid_members)
{
	CHECK_TS_BAD("foo =1");
	CHECK_TS_BAD("foo\t=1");
	CHECK_TS_BAD("FOO=1");
	CHECK_TS_BAD("fOo=1");
	CHECK_TS_BAD("foo.bar=1");
	CHECK_TS_BAD("@foo=1");
	CHECK_TS_BAD("_foo=1");
	CHECK_TS_BAD("-foo=1");
	CHECK_TS_BAD("*foo=1");
	CHECK_TS_BAD("/foo=1");
	CHECK_TS_BAD("foo=bar=baz");
	CHECK_TS_BAD("foo=");
	CHECK_TS_BAD("foo=   ");
	CHECK_TS_BAD("foo");
	CHECK_TS_BAD("=bar");
	CHECK_TS_BAD("foo=\tbar");
	CHECK_TS_BAD("foo=b\tr");
	CHECK_TS_BAD("foo=b\x01r");
	CHECK_TS_BAD("foo=b\x7fr");
	CHECK_TS_BAD("foo=b\xc3\xa9r");
	CHECK_TS_BAD("f\xc3\xa9=bar");
	CHECK_TS_BAD("foo=bar,baz");
	CHECK_TS_BAD("a=1,foo bar=2");
	CHECK_TS_BAD("a=1,\rb=2");
	{
		/* a NUL byte is not a chr either */
		struct tracestate_part p = {"foo=b\0r", 7};
		struct trace_context ctx;

		ctx_init(&ctx);
		ASSERT_EQ(tracestate__parse(&p, 1, &ctx), -EINVAL);
		ASSERT_EQ(ctx.tracestate_len, 0);
	}
}

/* Write a member of exactly len characters, key "<c><idx>", into buf. */
static size_t make_member(char *buf, size_t len, char c, int idx)
{
	int n = snprintf(buf, len + 1, "%c%d=", c, idx);

	memset(buf + n, 'v', len - n);
	buf[len] = '\0';
	return len;
}

TEST(tracestate_32_members)
{
	char list[512], *p = list;
	struct trace_context ctx;
	struct tracestate_part part;

	for (int i = 0; i < 32; i++)
		p += sprintf(p, "%sk%d=%d", i ? "," : "", i, i);
	part.p = list;
	part.len = strlen(list);
	ctx_init(&ctx);
	ASSERT_EQ(tracestate__parse(&part, 1, &ctx), 0);
	ASSERT_EQ(ctx.tracestate_len, part.len);
	ASSERT_MEMEQ(ctx.tracestate, list, part.len);

	/* empty members do not count */
	strcat(list, ", ,,\t");
	part.len = strlen(list);
	ctx_init(&ctx);
	ASSERT_EQ(tracestate__parse(&part, 1, &ctx), 0);
	ASSERT_EQ(ctx.tracestate_len, part.len - 5);
	ASSERT_MEMEQ(ctx.tracestate, list, part.len - 5);

	/* the 33rd, in the same part or in another */
	strcat(list, ",k32=32");
	part.len = strlen(list);
	ctx_init(&ctx);
	ASSERT_EQ(tracestate__parse(&part, 1, &ctx), -EINVAL);
	ASSERT_EQ(ctx.tracestate_len, 0);
	{
		struct tracestate_part two[2] = {{list, strlen(list) - 7},
						 {"k32=32", 6}};

		ctx_init(&ctx);
		ASSERT_EQ(tracestate__parse(two, 2, &ctx), -EINVAL);
		ASSERT_EQ(ctx.tracestate_len, 0);
	}
}

TEST(tracestate_key_and_value_lengths)
{
	char m[600];
	struct tracestate_part part = {m, 0};
	struct trace_context ctx;

	/* key of 256 */
	memset(m, 'k', 256);
	memcpy(m + 256, "=1", 3);
	part.len = 258;
	ctx_init(&ctx);
	ASSERT_EQ(tracestate__parse(&part, 1, &ctx), 0);
	ASSERT_EQ(ctx.tracestate_len, 258);
	ASSERT_MEMEQ(ctx.tracestate, m, 258);

	/* key of 257 */
	memset(m, 'k', 257);
	memcpy(m + 257, "=1", 3);
	part.len = 259;
	ctx_init(&ctx);
	ASSERT_EQ(tracestate__parse(&part, 1, &ctx), -EINVAL);
	ASSERT_EQ(ctx.tracestate_len, 0);

	/* value of 256, leading spaces counted */
	memcpy(m, "k=", 2);
	memset(m + 2, ' ', 10);
	memset(m + 12, 'v', 246);
	part.len = 258;
	ctx_init(&ctx);
	ASSERT_EQ(tracestate__parse(&part, 1, &ctx), 0);
	ASSERT_EQ(ctx.tracestate_len, 258);
	ASSERT_MEMEQ(ctx.tracestate, m, 258);

	/* value of 257 */
	m[258] = 'v';
	part.len = 259;
	ctx_init(&ctx);
	ASSERT_EQ(tracestate__parse(&part, 1, &ctx), -EINVAL);

	/* ... unless what passes 256 is trailing OWS */
	m[258] = ' ';
	ctx_init(&ctx);
	ASSERT_EQ(tracestate__parse(&part, 1, &ctx), 0);
	ASSERT_EQ(ctx.tracestate_len, 258);

	/* the longest member, 513: valid, but it cannot be kept */
	memset(m, 'k', 256);
	m[256] = '=';
	memset(m + 257, 'v', 256);
	part.len = 513;
	ctx_init(&ctx);
	ASSERT_EQ(tracestate__parse(&part, 1, &ctx), 0);
	ASSERT_EQ(ctx.tracestate_len, 0);
}

/* Join members[i] for the i whose bit is set in keep. */
static size_t join(char *dst, char members[][300], int n, unsigned keep)
{
	size_t off = 0;

	for (int i = 0; i < n; i++) {
		if (!(keep & (1u << i)))
			continue;
		if (off)
			dst[off++] = ',';
		strcpy(dst + off, members[i]);
		off += strlen(members[i]);
	}
	dst[off] = '\0';
	return off;
}

/* Parse members[0..n) as one part; expect the members in keep to remain. */
#define CHECK_CUT(members, n, keep)                              \
	do {                                                     \
		char _in[4096], _want[4096];                     \
		struct tracestate_part _p = {_in, 0};            \
		struct trace_context _c;                         \
		size_t _wl;                                      \
		_p.len = join(_in, members, n, (1u << (n)) - 1); \
		_wl = join(_want, members, n, keep);             \
		ctx_init(&_c);                                   \
		ASSERT_EQ(tracestate__parse(&_p, 1, &_c), 0);    \
		ASSERT_EQ(_c.tracestate_len, _wl);               \
		ASSERT_MEMEQ(_c.tracestate, _want, _wl);         \
	} while (0)

TEST(tracestate_truncated_from_the_end)
{
	char m[16][300];

	/* 10 x 60 + 9 = 609: 8 fit (487) */
	for (int i = 0; i < 10; i++)
		make_member(m[i], 60, 'a', i);
	CHECK_CUT(m, 10, 0xffu);

	/* exactly 512 stays whole, even of long members */
	make_member(m[0], 170, 'a', 0);
	make_member(m[1], 170, 'a', 1);
	make_member(m[2], 170, 'a', 2);
	CHECK_CUT(m, 3, 0x7u);
	/* 513 loses the last */
	make_member(m[2], 171, 'a', 2);
	CHECK_CUT(m, 3, 0x3u);
}

TEST(tracestate_long_members_cut_first)
{
	char m[16][300];

	/* s L130 s L200 s s s: 300 + 330 + 6 = 636; dropping L200 fits */
	make_member(m[0], 60, 's', 0);
	make_member(m[1], 130, 'l', 1);
	make_member(m[2], 60, 's', 2);
	make_member(m[3], 200, 'l', 3);
	make_member(m[4], 60, 's', 4);
	make_member(m[5], 60, 's', 5);
	make_member(m[6], 60, 's', 6);
	CHECK_CUT(m, 7, 0x77u);

	/* 128 is not long: 129 goes first even though 128 is later */
	make_member(m[0], 129, 'l', 0);
	make_member(m[1], 128, 's', 1);
	make_member(m[2], 128, 's', 2);
	make_member(m[3], 128, 's', 3);
	CHECK_CUT(m, 4, 0xeu);

	/* all long ones gone and still too long: then from the end */
	for (int i = 0; i < 13; i++) {
		if (i % 3 == 1)
			make_member(m[i], 129, 'l', i);
		else
			make_member(m[i], 60, 's', i);
	}
	/* 9 short (548) + 4 long: 8 short remain (487) */
	CHECK_CUT(m, 13, 0xb6du);
}

TEST(tracestate_failure_discards_old)
{
	struct trace_context ctx;

	ctx_init(&ctx);
	ASSERT_EQ(ctx.tracestate_len, 5);
	ASSERT_EQ(ts_parse(&ctx, STRS("a=1", "B=2"), 2), -EINVAL);
	ASSERT_EQ(ctx.tracestate_len, 0);
	/* and a new valid traceparent drops the old list too */
	ctx_init(&ctx);
	ASSERT_EQ(traceparent__parse(VALID, strlen(VALID), &ctx), 0);
	ASSERT_EQ(ctx.tracestate_len, 0);
}

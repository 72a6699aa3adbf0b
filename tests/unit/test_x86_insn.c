// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The x86 prologue reader, on byte sequences as compilers emit them (the
 * first ones are Debian 12's libssl3 3.0: SSL_read_ex, SSL_read and the
 * internal function both call).
 */
#include <errno.h>

#include "test.h"
#include "util/x86_insn.h"

/* SSL_read_ex at 0x354c0: sub $0x8,%rsp; call 0x35290 */
static const uint8_t read_ex[] = {0x48, 0x83, 0xec, 0x08, 0xe8, 0xc7,
				  0xfd, 0xff, 0xff, 0x31, 0xd2};
/* SSL_read at 0x35430: stack protector first, call 0x35290 at +0x1e */
static const uint8_t read_plain[] = {
	0x48, 0x83, 0xec, 0x18, 0x64, 0x48, 0x8b, 0x04, 0x25, 0x28,
	0x00, 0x00, 0x00, 0x48, 0x89, 0x44, 0x24, 0x08, 0x31, 0xc0,
	0x85, 0xd2, 0x78, 0x2f, 0x48, 0x89, 0xe1, 0x48, 0x63, 0xd2,
	0xe8, 0x3d, 0xfe, 0xff, 0xff, 0x85, 0xc0};
/* the internal function: push %r13; push %r12 */
static const uint8_t internal[] = {0x41, 0x55, 0x41, 0x54, 0x55, 0x53};

TEST(x86_insn_emulated_pushes_only)
{
	static const uint8_t rbp[] = {0x55}, r15[] = {0x41, 0x57};
	static const uint8_t sub[] = {0x48, 0x83, 0xec, 0x18};
	static const uint8_t endbr[] = {0xf3, 0x0f, 0x1e, 0xfa};
	static const uint8_t rex_only[] = {0x41};

	ASSERT_TRUE(x86_insn__emulated(internal, sizeof(internal)));
	ASSERT_TRUE(x86_insn__emulated(rbp, 1));
	ASSERT_TRUE(x86_insn__emulated(r15, 2));
	ASSERT_TRUE(!x86_insn__emulated(sub, sizeof(sub)));
	ASSERT_TRUE(!x86_insn__emulated(endbr, sizeof(endbr)));
	ASSERT_TRUE(!x86_insn__emulated(rex_only, 1)); /* cut short */
	ASSERT_TRUE(!x86_insn__emulated(rbp, 0));
}

TEST(x86_insn_leading_call_of_ssl_read_ex)
{
	int64_t rel = 0;

	ASSERT_EQ(x86_insn__leading_call(read_ex, sizeof(read_ex), &rel), 0);
	ASSERT_EQ(rel, 0x35290 - 0x354c0);
	/* the call cut short: no target */
	ASSERT_EQ(x86_insn__leading_call(read_ex, 8, &rel), -ENOENT);
	/* SSL_read's prologue has other instructions before its call */
	ASSERT_EQ(x86_insn__leading_call(read_plain, sizeof(read_plain), &rel),
		  -ENOENT);
	ASSERT_TRUE(x86_insn__has_call_to(read_plain, sizeof(read_plain),
					  0x35290 - 0x35430));
	ASSERT_TRUE(!x86_insn__has_call_to(read_plain, sizeof(read_plain),
					   0x35290 - 0x35430 + 1));
	ASSERT_TRUE(!x86_insn__has_call_to(read_plain, 34, 0x35290 - 0x35430));
}

TEST(x86_insn_leading_call_after_cet_and_pushes)
{
	/* endbr64; push %rbp; push %rbx; sub $0x100,%rsp; call +0x10 */
	static const uint8_t code[] = {0xf3, 0x0f, 0x1e, 0xfa, 0x55, 0x53,
				       0x48, 0x81, 0xec, 0x00, 0x01, 0x00,
				       0x00, 0xe8, 0x10, 0x00, 0x00, 0x00};
	/* push %rbp; mov %rsp,%rbp; call: mov is not a prologue we follow */
	static const uint8_t framed[] = {0x55, 0x48, 0x89, 0xe5, 0xe8,
					 0x00, 0x00, 0x00, 0x00};
	int64_t rel = 0;

	ASSERT_EQ(x86_insn__leading_call(code, sizeof(code), &rel), 0);
	ASSERT_EQ(rel, 13 + 5 + 0x10);
	ASSERT_EQ(x86_insn__leading_call(framed, sizeof(framed), &rel),
		  -ENOENT);
	ASSERT_EQ(x86_insn__leading_call(code, 0, &rel), -ENOENT);
}

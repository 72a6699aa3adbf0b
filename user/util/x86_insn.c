// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <string.h>

#include "util/x86_insn.h"

/* Instructions of a prologue looked at before giving up. */
#define PROLOGUE_MAX_INSNS 8

static int32_t rel32(const uint8_t *p)
{
	return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 |
			 (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
}

/* push %r64, with REX.B for %r8-%r15 */
static size_t push_len(const uint8_t *p, size_t n)
{
	if (n >= 1 && p[0] >= 0x50 && p[0] <= 0x57)
		return 1;
	if (n >= 2 && p[0] == 0x41 && p[1] >= 0x50 && p[1] <= 0x57)
		return 2;
	return 0;
}

bool x86_insn__emulated(const uint8_t *p, size_t n)
{
	return push_len(p, n) > 0;
}

/* Length of a prologue instruction at p that leaves the arguments alone. */
static size_t prologue_len(const uint8_t *p, size_t n)
{
	static const uint8_t endbr64[] = {0xf3, 0x0f, 0x1e, 0xfa};
	size_t len = push_len(p, n);

	if (len)
		return len;
	if (n >= 4 && !memcmp(p, endbr64, 4))
		return 4;
	/* sub $imm8, %rsp and sub $imm32, %rsp */
	if (n >= 4 && p[0] == 0x48 && p[1] == 0x83 && p[2] == 0xec)
		return 4;
	if (n >= 7 && p[0] == 0x48 && p[1] == 0x81 && p[2] == 0xec)
		return 7;
	return 0;
}

int x86_insn__leading_call(const uint8_t *p, size_t n, int64_t *ret)
{
	size_t off = 0;

	for (int i = 0; i < PROLOGUE_MAX_INSNS && off < n; i++) {
		size_t len;

		if (p[off] == 0xe8) {
			if (n - off < 5)
				return -ENOENT;
			*ret = (int64_t)off + 5 + rel32(p + off + 1);
			return 0;
		}
		len = prologue_len(p + off, n - off);
		if (!len)
			return -ENOENT;
		off += len;
	}
	return -ENOENT;
}

bool x86_insn__has_call_to(const uint8_t *p, size_t n, int64_t target)
{
	for (size_t off = 0; n >= 5 && off <= n - 5; off++)
		if (p[off] == 0xe8 &&
		    (int64_t)off + 5 + rel32(p + off + 1) == target)
			return true;
	return false;
}

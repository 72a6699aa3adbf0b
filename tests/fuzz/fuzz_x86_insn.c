// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The start of a function from a library a traced process maps, read to
 * place uprobes: any bytes, any length.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "util/x86_insn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int64_t rel = INT64_MIN;
	int r;

	x86_insn__emulated(data, size);
	r = x86_insn__leading_call(data, size, &rel);
	if (r == 0) {
		/* a target exists: calling it is what the bytes say */
		if (!x86_insn__has_call_to(data, size, rel))
			abort();
	} else if (r != -ENOENT || rel != INT64_MIN) {
		abort();
	}
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * An executable from a stranger: /proc/PID/exe is read to tell Go programs
 * apart, so its section headers must not be trusted.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "util/elf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int r = elf__has_section_mem(data, size, ".go.buildinfo");

	if (r != 0 && r != 1 && r != -EINVAL)
		abort();
	r = elf__has_section_mem(data, size, "");
	if (r != 0 && r != 1 && r != -EINVAL)
		abort();
	return 0;
}

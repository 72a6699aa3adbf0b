// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * A library or executable from a stranger: any file a traced process maps
 * is looked into for OpenSSL's functions. Besides the sanitizers, checks
 * that what is found lies in the file and that the count is the number of
 * offsets found, and that a second lookup, served from the tables the
 * first one read, gives the same answer.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "util/elf_symbols.h"

#define NNAMES 6

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[NNAMES] = {
	"SSL_read", "SSL_write", "SSL_read_ex", "SSL_write_ex", "main", "f",
};

static void check(const uint64_t *offs, size_t n, int r, size_t size)
{
	int found = 0;

	if (r < 0 || (size_t)r > n)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (offs[i] >= size)
			abort();
		found += offs[i] != 0;
	}
	if (found != r)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t offs[NNAMES], again[NNAMES];
	struct elf_syms *e;
	int r;

	r = elf_syms__open_mem(data, size, &e);
	if (r) {
		if (e || (r != -ENOEXEC && r != -E2BIG && r != -EINVAL))
			abort();
		return 0;
	}
	r = elf_syms__lookup(e, names, NNAMES, offs);
	check(offs, NNAMES, r, size);
	r = elf_syms__lookup(e, names + 2, NNAMES - 2, again);
	check(again, NNAMES - 2, r, size);
	for (size_t i = 2; i < NNAMES; i++)
		if (again[i - 2] != offs[i])
			abort();
	elf_syms__close(e);
	return 0;
}

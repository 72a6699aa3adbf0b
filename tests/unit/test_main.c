// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Runs every registered unit test, or those whose names contain argv[1]. */
#include <stdarg.h>
#include <stdlib.h>

#include "test.h"

#define MAX_TESTS 1024

static struct {
	const char *name;
	test_fn fn;
} tests[MAX_TESTS];
static int ntests;
static bool cur_failed;

void test__register(const char *name, test_fn fn)
{
	if (ntests == MAX_TESTS) {
		fprintf(stderr, "test: more than %d tests, raise MAX_TESTS\n",
			MAX_TESTS);
		abort();
	}
	tests[ntests].name = name;
	tests[ntests].fn = fn;
	ntests++;
}

void test__fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	cur_failed = true;
	fprintf(stdout, "  %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

bool test__failed(void)
{
	return cur_failed;
}

void test__sweep_bytes(const char *text,
		       void (*check)(const uint8_t *buf, size_t len),
		       bool (*keep)(size_t n, size_t pos, size_t len))
{
	size_t n = strlen(text);
	uint8_t *buf = malloc(n + 1);

	if (!buf) {
		test__fail(__FILE__, __LINE__, "out of memory");
		return;
	}
	memcpy(buf, text, n);
	for (size_t pos = 0; pos < n; pos++) {
		uint8_t was = buf[pos];

		for (unsigned int c = 0; c < 256; c++) {
			buf[pos] = (uint8_t)c;
			for (size_t len = 0; len <= n; len++) {
				if (keep && !keep(n, pos, len))
					continue;
				check(buf, len);
				if (test__failed())
					goto out;
			}
		}
		buf[pos] = was;
	}
out:
	free(buf);
}

size_t test__append_parts(uint8_t *buf, size_t n, size_t want,
			  const char *const *parts, size_t nparts,
			  unsigned int *seed)
{
	while (n < want) {
		const char *p = parts[rand_r(seed) % nparts];
		size_t l = *p ? strlen(p) : 1;

		if (n + l > want)
			break;
		memcpy(buf + n, p, l);
		n += l;
	}
	return n;
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;

	/* a failed test may leak; LeakSanitizer then exits without flushing */
	setvbuf(stdout, NULL, _IOLBF, 0);

	for (int i = 0; i < ntests; i++) {
		if (argc > 1 && !strstr(tests[i].name, argv[1]))
			continue;
		cur_failed = false;
		tests[i].fn();
		printf("%s %s\n", cur_failed ? "not ok" : "ok", tests[i].name);
		if (cur_failed)
			failed++;
		else
			passed++;
	}
	printf("unit: %d passed, %d failed\n", passed, failed);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

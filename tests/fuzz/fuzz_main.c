// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Replays inputs through a libFuzzer target without libFuzzer, for the
 * sanitizer builds make test runs: every argument is a file, or a directory
 * whose files (not subdirectories) are each one input.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned long ninputs;

/* Read all of path into an exactly sized buffer, so ASan sees overreads. */
static int replay_file(const char *path)
{
	size_t len = 0, cap = 4096;
	uint8_t *buf = malloc(cap), *exact;
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f || !buf) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		free(buf);
		if (f)
			fclose(f);
		return -1;
	}
	while ((n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap) {
			uint8_t *nb = realloc(buf, cap * 2);

			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
	}
	if (ferror(f) || len == cap) {
		fprintf(stderr, "replay: %s: read error\n", path);
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	exact = malloc(len ? len : 1);
	if (!exact) {
		free(buf);
		return -1;
	}
	memcpy(exact, buf, len);
	free(buf);
	LLVMFuzzerTestOneInput(exact, len);
	free(exact);
	ninputs++;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_dir(const char *dir)
{
	char **names = NULL, path[4096];
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	struct stat sb;
	int err = 0;
	DIR *d;

	d = opendir(dir);
	if (!d) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap ? cap * 2 : 64) *
							   sizeof(*names));

			if (!nn) {
				err = -1;
				break;
			}
			names = nn;
			cap = cap ? cap * 2 : 64;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			err = -1;
			break;
		}
		n++;
	}
	closedir(d);
	/* a fixed order makes a failing replay reproducible */
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (!err && !stat(path, &sb) && S_ISREG(sb.st_mode))
			err = replay_file(path);
		free(names[i]);
	}
	free(names);
	return err;
}

int main(int argc, char **argv)
{
	struct stat sb;
	int err = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc && !err; i++) {
		if (stat(argv[i], &sb)) {
			fprintf(stderr, "replay: %s: %s\n", argv[i],
				strerror(errno));
			err = -1;
		} else if (S_ISDIR(sb.st_mode)) {
			err = replay_dir(argv[i]);
		} else {
			err = replay_file(argv[i]);
		}
	}
	printf("replay: %lu inputs\n", ninputs);
	return err ? EXIT_FAILURE : EXIT_SUCCESS;
}

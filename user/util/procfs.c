// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "util/procfs.h"

ssize_t procfs__read(uint32_t pid, const char *name, char *buf, size_t size)
{
	char path[64];
	size_t got = 0;
	ssize_t ret;
	int fd;

	snprintf(path, sizeof(path), "/proc/%u/%s", pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (got < size) {
		ssize_t n = read(fd, buf + got, size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto cleanup;
		}
		if (!n)
			break;
		got += n;
	}
	ret = got;
cleanup:
	close(fd);
	return ret;
}

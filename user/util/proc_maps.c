// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/ascii.h"
#include "util/proc_maps.h"

#define DELETED_SUFFIX " (deleted)"

struct cursor {
	const char *p, *end;
};

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* At most maxdigits (<= 16) digits, so the value cannot overflow */
static bool take_hex(struct cursor *c, unsigned int maxdigits, uint64_t *v)
{
	unsigned int n = 0;
	uint64_t x = 0;
	int d;

	while (c->p < c->end && (d = hex_digit(*c->p)) >= 0) {
		if (++n > maxdigits)
			return false;
		x = x << 4 | (uint64_t)d;
		c->p++;
	}
	*v = x;
	return n > 0;
}

static bool take_dec(struct cursor *c, uint64_t *v)
{
	unsigned int n = 0;
	uint64_t x = 0;

	while (c->p < c->end && ascii__is_digit(*c->p)) {
		unsigned int d = *c->p - '0';

		if (x > (UINT64_MAX - d) / 10)
			return false;
		x = x * 10 + d;
		c->p++;
		n++;
	}
	*v = x;
	return n > 0;
}

static bool take_char(struct cursor *c, char ch)
{
	if (c->p == c->end || *c->p != ch)
		return false;
	c->p++;
	return true;
}

/* One slot of the permissions: its letter when on, off's when not */
static bool take_perm(struct cursor *c, char on, char off, bool *flag)
{
	if (c->p == c->end || (*c->p != on && *c->p != off))
		return false;
	*flag = *c->p++ == on;
	return true;
}

static bool take_dev(struct cursor *c, struct proc_map *m)
{
	uint64_t major, minor;

	if (!take_hex(c, 8, &major) || !take_char(c, ':') ||
	    !take_hex(c, 8, &minor))
		return false;
	m->dev_major = (uint32_t)major;
	m->dev_minor = (uint32_t)minor;
	return true;
}

int proc_maps__parse_line(const char *line, size_t len, struct proc_map *m)
{
	const size_t dlen = sizeof(DELETED_SUFFIX) - 1;
	struct cursor c;
	size_t plen;

	if (!line || !m)
		return -EINVAL;
	c.p = line;
	c.end = line + len;
	if (len && line[len - 1] == '\n')
		c.end--;
	/* a NUL would cut the path short; a newline is a second line */
	if (memchr(line, '\0', c.end - line) ||
	    memchr(line, '\n', c.end - line))
		return -EINVAL;
	if (!take_hex(&c, 16, &m->start) || !take_char(&c, '-') ||
	    !take_hex(&c, 16, &m->end) || !take_char(&c, ' ') ||
	    !take_perm(&c, 'r', '-', &m->readable) ||
	    !take_perm(&c, 'w', '-', &m->writable) ||
	    !take_perm(&c, 'x', '-', &m->exec) ||
	    !take_perm(&c, 's', 'p', &m->shared) || !take_char(&c, ' ') ||
	    !take_hex(&c, 16, &m->offset) || !take_char(&c, ' ') ||
	    !take_dev(&c, m) || !take_char(&c, ' ') || !take_dec(&c, &m->inode))
		return -EINVAL;
	/* the kernel has no empty mappings: such a line is not its */
	if (m->start >= m->end)
		return -EINVAL;
	if (c.p < c.end && *c.p != ' ')
		return -EINVAL;
	/* spaces pad the path to a column, and end a line without one */
	while (c.p < c.end && *c.p == ' ')
		c.p++;
	plen = c.end - c.p;
	m->deleted = plen > dlen && !memcmp(c.end - dlen, DELETED_SUFFIX, dlen);
	if (m->deleted)
		plen -= dlen;
	if (plen >= sizeof(m->path))
		return -ENAMETOOLONG;
	memcpy(m->path, c.p, plen);
	m->path[plen] = '\0';
	return 0;
}

/* fn's value for a mapped file, 0 for anything else */
static int visit_line(const char *line, size_t len, struct proc_map *m,
		      int (*fn)(const struct proc_map *m, void *arg), void *arg,
		      unsigned int *bad)
{
	if (proc_maps__parse_line(line, len, m)) {
		(*bad)++;
		return 0;
	}
	if (!m->inode || m->path[0] != '/')
		return 0;
	return fn(m, arg);
}

int proc_maps__for_each(int pid, int (*fn)(const struct proc_map *m, void *arg),
			void *arg, unsigned int *nbad)
{
	char path[32], buf[PROC_MAPS_LINE_MAX];
	unsigned int bad = 0;
	bool skipping = false;
	struct proc_map m;
	size_t fill = 0;
	int fd, ret = 0;

	if (pid <= 0 || !fn)
		return -EINVAL;
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n = read(fd, buf + fill, sizeof(buf) - fill);
		char *p = buf, *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto cleanup;
		}
		if (!n)
			break;
		fill += n;
		while ((nl = memchr(p, '\n', buf + fill - p))) {
			/* the end of a line too long to hold is dropped too */
			if (!skipping)
				ret = visit_line(p, nl - p, &m, fn, arg, &bad);
			skipping = false;
			if (ret)
				goto cleanup;
			p = nl + 1;
		}
		fill = buf + fill - p;
		memmove(buf, p, fill);
		if (fill == sizeof(buf)) {
			if (!skipping)
				bad++;
			skipping = true;
			fill = 0;
		}
	}
	/* a last line without its '\n' */
	if (fill && !skipping)
		ret = visit_line(buf, fill, &m, fn, arg, &bad);
cleanup:
	close(fd);
	if (nbad)
		*nbad = bad;
	return ret;
}

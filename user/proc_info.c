// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Every read here is best effort: the process may be gone, belong to another
 * user, or live in a container whose /proc view differs. Whatever cannot be
 * read falls back to the kernel's comm, so a span always gets a name.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc_info.h"
#include "util/clock.h"
#include "util/elf.h"
#include "util/procfs.h"
#include "util/utf8.h"

#define COMM_LEN 16
/*
 * How often a cached entry is checked against /proc: once per span would
 * cost a few syscalls each, and a pid is not reused within a second unless
 * pid_max is tiny.
 */
#define REVALIDATE_NS 1000000000ull
#define STAT_MAX 2048
#define PATH_MAX_READ 4096

struct proc_entry {
	struct proc_info info;
	char comm[COMM_LEN + 1]; /* the comm it was loaded with */
	uint64_t checked_ns;	 /* CLOCK_MONOTONIC of the last check */
	uint64_t used;		 /* the cache's use count at its last use */
	int32_t hnext;		 /* hash chain; free list when unused */
};

struct proc_cache {
	struct proc_entry *e;
	int32_t *buckets;
	uint32_t nbuckets; /* a power of two */
	uint32_t max;
	/*
	 * Least recently used first out, by a count of uses rather than a
	 * list: moving an entry to a list's front was a quarter of a lookup,
	 * and the agent looks a process up once or twice a span. Eviction,
	 * only when every entry is in use, looks for the lowest count.
	 */
	uint64_t uses;
	int32_t last; /* the entry used last, -1 when none */
	int32_t free_head;
	char *envbuf; /* PROC_ENVIRON_MAX bytes, reused */
	uint64_t now_ns; /* from proc_cache__tick; 0: read the clock */
};

/* Revalidation runs on seconds: the caller's tick is near enough. */
static uint64_t cache_now(const struct proc_cache *c)
{
	return c->now_ns ? c->now_ns : clock__mono_ns();
}

void proc_cache__tick(struct proc_cache *c, uint64_t now)
{
	if (c)
		c->now_ns = now;
}

/*
 * Field 22 (starttime) of /proc/PID/stat. comm (field 2) may hold spaces
 * and parentheses, so fields are counted from the last ')'.
 */
static int read_start_ticks(uint32_t pid, uint64_t *ret_ticks)
{
	char buf[STAT_MAX + 1], *p, *end;
	unsigned long long v;
	ssize_t n;
	int field;

	n = procfs__read(pid, "stat", buf, STAT_MAX);
	if (n < 0)
		return n;
	buf[n] = '\0';
	p = memrchr(buf, ')', n);
	if (!p)
		return -EINVAL;
	p++;
	for (field = 3; field < 22; field++) {
		while (*p == ' ')
			p++;
		while (*p && *p != ' ')
			p++;
		if (!*p)
			return -EINVAL;
	}
	while (*p == ' ')
		p++;
	if (*p < '0' || *p > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(p, &end, 10);
	if (errno || (*end && *end != ' ' && *end != '\n'))
		return -EINVAL;
	*ret_ticks = v;
	return 0;
}

/* readlink of /proc/PID/exe into path (sanitised, cut); length or -errno. */
static ssize_t read_exe(uint32_t pid, char *path, size_t size)
{
	char link[64], buf[PATH_MAX_READ];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%u/exe", pid);
	n = readlink(link, buf, sizeof(buf));
	if (n < 0)
		return -errno;
	if (!n)
		return -ENOENT;
	return utf8__sanitize(path, size, buf, n);
}

static void set_exe_name(struct proc_info *info, size_t path_len)
{
	static const char deleted[] = " (deleted)";
	const size_t dlen = sizeof(deleted) - 1;
	const char *base = strrchr(info->exe_path, '/');
	size_t len;

	base = base ? base + 1 : info->exe_path;
	len = info->exe_path + path_len - base;
	/* a binary replaced by an upgrade still runs under its name */
	if (len > dlen && !memcmp(base + len - dlen, deleted, dlen))
		len -= dlen;
	utf8__sanitize(info->exe_name, sizeof(info->exe_name), base, len);
}

/*
 * The value of name in an environ block, first definition wins as with
 * getenv. complete: the block was read to its end, so a last entry without
 * its NUL is whole rather than cut by our bound.
 */
static const char *environ_get(const char *env, size_t len, bool complete,
			       const char *name, size_t *ret_len)
{
	size_t nlen = strlen(name), i = 0;

	while (i < len) {
		const char *ent = env + i;
		const char *nul = memchr(ent, '\0', len - i);
		size_t elen = nul ? (size_t)(nul - ent) : len - i;

		if (!nul && !complete)
			break;
		if (elen > nlen && ent[nlen] == '=' &&
		    !memcmp(ent, name, nlen)) {
			*ret_len = elen - nlen - 1;
			return ent + nlen + 1;
		}
		i += elen + 1;
	}
	return NULL;
}

static void read_environ(struct proc_cache *c, struct proc_info *info)
{
	const char *v;
	size_t vlen;
	ssize_t n;
	bool complete;

	n = procfs__read(info->pid, "environ", c->envbuf, PROC_ENVIRON_MAX);
	if (n <= 0)
		return;
	complete = n < PROC_ENVIRON_MAX;

	v = environ_get(c->envbuf, n, complete, "OTEL_SERVICE_NAME", &vlen);
	if (v && vlen) {
		utf8__sanitize(info->service_name, sizeof(info->service_name),
			       v, vlen);
		info->own_service_name = 1;
	}
	v = environ_get(c->envbuf, n, complete, "OTEL_RESOURCE_ATTRIBUTES",
			&vlen);
	if (v)
		utf8__sanitize(info->otel_resource_attrs,
			       sizeof(info->otel_resource_attrs), v, vlen);
}

/*
 * Arguments are NUL-separated in /proc; a NUL-free line with spaces is what
 * process.command_line wants. Kernel threads have an empty cmdline.
 */
static void read_cmdline(struct proc_cache *c, struct proc_info *info)
{
	ssize_t n;

	n = procfs__read(info->pid, "cmdline", c->envbuf,
			 sizeof(info->command_line) - 1);
	if (n <= 0)
		return;
	while (n > 0 && c->envbuf[n - 1] == '\0')
		n--;
	for (ssize_t i = 0; i < n; i++)
		if (c->envbuf[i] == '\0')
			c->envbuf[i] = ' ';
	utf8__sanitize(info->command_line, sizeof(info->command_line),
		       c->envbuf, n);
}

/* Go binaries carry a .go.buildinfo section (Go 1.13 and later). */
static bool exe_is_go(uint32_t pid)
{
	char path[64];
	int fd, ret;

	snprintf(path, sizeof(path), "/proc/%u/exe", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ret = elf__has_section_fd(fd, ".go.buildinfo");
	close(fd);
	return ret == 1;
}

static void proc_entry__load(struct proc_cache *c, struct proc_entry *e,
			     uint32_t pid, const char *comm)
{
	struct proc_info *info = &e->info;
	size_t comm_len = comm ? strnlen(comm, COMM_LEN) : 0;
	ssize_t n;

	memset(info, 0, sizeof(*info));
	info->pid = pid;
	memcpy(e->comm, comm ? comm : "", comm_len);
	e->comm[comm_len] = '\0';

	if (read_start_ticks(pid, &info->start_ticks))
		info->start_ticks = 0;

	n = read_exe(pid, info->exe_path, sizeof(info->exe_path));
	if (n > 0)
		set_exe_name(info, n);
	else
		info->exe_path[0] = '\0';
	if (!info->exe_name[0] && comm_len)
		utf8__sanitize(info->exe_name, sizeof(info->exe_name), comm,
			       comm_len);
	if (!info->exe_name[0])
		snprintf(info->exe_name, sizeof(info->exe_name), "pid-%u", pid);

	read_environ(c, info);
	read_cmdline(c, info);
	info->go_runtime = exe_is_go(pid);
	if (!info->service_name[0])
		snprintf(info->service_name, sizeof(info->service_name), "%s",
			 info->exe_name);
	e->checked_ns = cache_now(c);
}

/* True when pid now names another process, or the same one after exec. */
static bool proc_entry__stale(const struct proc_entry *e)
{
	char path[sizeof(e->info.exe_path)];
	uint64_t ticks;
	ssize_t n;

	if (read_start_ticks(e->info.pid, &ticks))
		return false; /* gone or hidden: keep what we knew */
	if (ticks != e->info.start_ticks)
		return true;
	n = read_exe(e->info.pid, path, sizeof(path));
	return n > 0 && strcmp(path, e->info.exe_path);
}

static uint32_t pid_hash(const struct proc_cache *c, uint32_t pid)
{
	return (pid * 2654435761u) & (c->nbuckets - 1);
}

static int32_t hash_find(const struct proc_cache *c, uint32_t pid)
{
	int32_t i = c->buckets[pid_hash(c, pid)];

	while (i >= 0 && c->e[i].info.pid != pid)
		i = c->e[i].hnext;
	return i;
}

static void hash_remove(struct proc_cache *c, int32_t i)
{
	int32_t *pp = &c->buckets[pid_hash(c, c->e[i].info.pid)];

	while (*pp >= 0 && *pp != i)
		pp = &c->e[*pp].hnext;
	if (*pp == i)
		*pp = c->e[i].hnext;
	c->e[i].hnext = -1;
}

static void hash_insert(struct proc_cache *c, int32_t i)
{
	int32_t *head = &c->buckets[pid_hash(c, c->e[i].info.pid)];

	c->e[i].hnext = *head;
	*head = i;
}

struct proc_cache *proc_cache__new(size_t max_entries)
{
	struct proc_cache *c;
	uint32_t i;

	if (!max_entries || max_entries > (1u << 24)) {
		errno = EINVAL;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->max = max_entries;
	c->nbuckets = 1;
	while (c->nbuckets < c->max)
		c->nbuckets <<= 1;
	c->e = calloc(c->max, sizeof(*c->e));
	c->buckets = malloc(c->nbuckets * sizeof(*c->buckets));
	c->envbuf = malloc(PROC_ENVIRON_MAX);
	if (!c->e || !c->buckets || !c->envbuf) {
		proc_cache__free(c);
		errno = ENOMEM;
		return NULL;
	}
	for (i = 0; i < c->nbuckets; i++)
		c->buckets[i] = -1;
	for (i = 0; i < c->max; i++)
		c->e[i].hnext = i + 1 < c->max ? (int32_t)i + 1 : -1;
	c->free_head = 0;
	c->last = -1;
	return c;
}

/* A slot for a new entry: a free one, else the least recently used. */
static int32_t proc_cache__slot(struct proc_cache *c)
{
	int32_t i = c->free_head;

	if (i >= 0) {
		c->free_head = c->e[i].hnext;
		c->e[i].hnext = -1;
		return i;
	}
	/*
	 * All in use: the least recently used goes. The scan costs far less
	 * than reading the new process from /proc, which follows.
	 */
	i = 0;
	for (uint32_t j = 1; j < c->max; j++)
		if (c->e[j].used < c->e[i].used)
			i = j;
	hash_remove(c, i);
	return i;
}

/* A pid not cached: loaded into a free slot or the least recent one's. */
static __attribute__((noinline)) struct proc_entry *
proc_cache__add(struct proc_cache *c, uint32_t pid, const char *comm)
{
	int32_t i = proc_cache__slot(c);
	struct proc_entry *e = &c->e[i];

	proc_entry__load(c, e, pid, comm);
	hash_insert(c, i);
	e->used = ++c->uses;
	c->last = i;
	return e;
}

const struct proc_info *proc_cache__get(struct proc_cache *c, uint32_t pid,
					const char *comm)
{
	struct proc_entry *e;
	int32_t i;

	if (!c)
		return NULL;

	/*
	 * The entry used last is asked for again most often (a span is
	 * built, then emitted, for one process): no hash lookup for it.
	 * It is in use, and each pid is cached once.
	 */
	i = c->last;
	if (i < 0 || c->e[i].info.pid != pid) {
		i = hash_find(c, pid);
		if (i < 0)
			return &proc_cache__add(c, pid, comm)->info;
		c->last = i;
	}
	e = &c->e[i];
	e->used = ++c->uses;
	if (!e->info.start_ticks && comm && strncmp(e->comm, comm, COMM_LEN)) {
		/* never seen in /proc, and now another program */
		proc_entry__load(c, e, pid, comm);
	} else if (cache_now(c) - e->checked_ns >= REVALIDATE_NS) {
		if (proc_entry__stale(e))
			proc_entry__load(c, e, pid, comm);
		else
			e->checked_ns = cache_now(c);
	}
	return &e->info;
}

void proc_info__stand_in(struct proc_info *pi, uint32_t pid, const char *name,
			 size_t name_size)
{
	memset(pi, 0, sizeof(*pi));
	pi->pid = pid;
	utf8__sanitize(pi->exe_name, sizeof(pi->exe_name), name,
		       strnlen(name, name_size));
}

void proc_cache__forget(struct proc_cache *c, uint32_t pid)
{
	int32_t i;

	if (!c)
		return;
	i = hash_find(c, pid);
	if (i < 0)
		return;
	hash_remove(c, i);
	if (c->last == i)
		c->last = -1;
	c->e[i].hnext = c->free_head;
	c->free_head = i;
}

void proc_cache__free(struct proc_cache *c)
{
	if (!c)
		return;
	free(c->envbuf);
	free(c->buckets);
	free(c->e);
	free(c);
}

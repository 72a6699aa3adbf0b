// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* /proc/PID/maps lines, made up and this process's own. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"
#include "util/proc_maps.h"

/* Pids above the kernel's PID_MAX_LIMIT (4M) never name a process. */
#define NO_PID 0x7fff0000

static int parse(const char *line, struct proc_map *m)
{
	return proc_maps__parse_line(line, strlen(line), m);
}

TEST(proc_maps_exec_library)
{
	static const char line[] =
		"7f2c5a000000-7f2c5a021000 r-xp 00002000 fd:01 1234567    "
		"/usr/lib/x86_64-linux-gnu/libssl.so.3\n";
	static struct proc_map m;

	ASSERT_EQ(parse(line, &m), 0);
	ASSERT_EQ(m.start, 0x7f2c5a000000);
	ASSERT_EQ(m.end, 0x7f2c5a021000);
	ASSERT_EQ(m.offset, 0x2000);
	ASSERT_EQ(m.dev_major, 0xfd);
	ASSERT_EQ(m.dev_minor, 1);
	ASSERT_EQ(m.inode, 1234567);
	ASSERT_TRUE(m.readable && !m.writable && m.exec && !m.shared);
	ASSERT_TRUE(!m.deleted);
	ASSERT_STREQ(m.path, "/usr/lib/x86_64-linux-gnu/libssl.so.3");
	/* the same without the newline, and not NUL-terminated */
	memset(&m, 0xff, sizeof(m));
	ASSERT_EQ(proc_maps__parse_line(line, sizeof(line) - 2, &m), 0);
	ASSERT_STREQ(m.path, "/usr/lib/x86_64-linux-gnu/libssl.so.3");
	ASSERT_EQ(m.inode, 1234567);
}

TEST(proc_maps_anonymous_and_special)
{
	static struct proc_map m;

	/* an anonymous mapping's line ends in a space after the inode */
	ASSERT_EQ(
		parse("7f82f0451000-7f82f0473000 rw-p 00000000 00:00 0 \n", &m),
		0);
	ASSERT_STREQ(m.path, "");
	ASSERT_EQ(m.inode, 0);
	ASSERT_TRUE(m.readable && m.writable && !m.exec && !m.shared);
	ASSERT_EQ(parse("7f82f0451000-7f82f0473000 ---p 00000000 00:00 0", &m),
		  0);
	ASSERT_TRUE(!m.readable && !m.writable && !m.exec && !m.shared);
	ASSERT_STREQ(m.path, "");
	ASSERT_EQ(parse("560fc39c0000-560fc39e1000 rw-p 00000000 00:00 0"
			"                          [heap]",
			&m),
		  0);
	ASSERT_STREQ(m.path, "[heap]");
	ASSERT_EQ(parse("7ffd4a5f2000-7ffd4a5f4000 r-xp 00000000 00:00 0"
			"                          [vdso]\n",
			&m),
		  0);
	ASSERT_STREQ(m.path, "[vdso]");
	ASSERT_TRUE(m.exec);
	ASSERT_EQ(parse("ffffffffff600000-ffffffffff601000 --xp 00000000 "
			"00:00 0                  [vsyscall]",
			&m),
		  0);
	ASSERT_EQ(m.start, 0xffffffffff600000);
	ASSERT_STREQ(m.path, "[vsyscall]");
	ASSERT_EQ(parse("7f82f06b9000-7f82f06c0000 r--s 00000000 fe:00 332280"
			" /usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache",
			&m),
		  0);
	ASSERT_TRUE(m.shared && m.readable);
	ASSERT_EQ(m.dev_major, 0xfe);
	ASSERT_EQ(parse("7f0000000000-7f0000001000 rw-p 00000000 00:00 0"
			"   [anon:my pool]",
			&m),
		  0);
	ASSERT_STREQ(m.path, "[anon:my pool]");
}

TEST(proc_maps_path_kept_as_written)
{
	static struct proc_map m;

	ASSERT_EQ(parse("7f0000000000-7f0000001000 r-xp 00000000 08:02 42"
			"  /opt/my app/lib ssl.so  \n",
			&m),
		  0);
	ASSERT_STREQ(m.path, "/opt/my app/lib ssl.so  ");
	ASSERT_EQ(m.dev_major, 8);
	ASSERT_EQ(m.dev_minor, 2);
	/* a newline in a name, as the kernel escapes it */
	ASSERT_EQ(parse("7f0000000000-7f0000001000 r-xp 00000000 08:02 42"
			" /tmp/a\\012b.so",
			&m),
		  0);
	ASSERT_STREQ(m.path, "/tmp/a\\012b.so");
	/* big device numbers: 12 bits of major, 20 of minor */
	ASSERT_EQ(parse("1000-2000 r--p 00000000 fff:fffff 1 /x", &m), 0);
	ASSERT_EQ(m.dev_major, 0xfff);
	ASSERT_EQ(m.dev_minor, 0xfffff);
}

TEST(proc_maps_deleted)
{
	static struct proc_map m;

	ASSERT_EQ(parse("7f0000000000-7f0000001000 r-xp 00000000 00:01 2048"
			" /memfd:jit (deleted)\n",
			&m),
		  0);
	ASSERT_TRUE(m.deleted);
	ASSERT_STREQ(m.path, "/memfd:jit");
	ASSERT_EQ(parse("7f0000000000-7f0000001000 r-xp 00000000 00:01 2048"
			" /usr/lib/libssl.so.3 (deleted) (deleted)",
			&m),
		  0);
	ASSERT_TRUE(m.deleted);
	ASSERT_STREQ(m.path, "/usr/lib/libssl.so.3 (deleted)");
	ASSERT_EQ(parse("7f0000000000-7f0000001000 r-xp 00000000 00:01 2048"
			" /tmp/x (deleted) y",
			&m),
		  0);
	ASSERT_TRUE(!m.deleted);
	ASSERT_STREQ(m.path, "/tmp/x (deleted) y");
	/* without the space it is a file name */
	ASSERT_EQ(parse("7f0000000000-7f0000001000 r-xp 00000000 00:01 2048"
			" /tmp/x(deleted)",
			&m),
		  0);
	ASSERT_TRUE(!m.deleted);
	ASSERT_EQ(parse("7f0000000000-7f0000001000 r-xp 00000000 00:01 2048"
			"      (deleted)",
			&m),
		  0);
	ASSERT_TRUE(!m.deleted);
	ASSERT_STREQ(m.path, "(deleted)");
}

TEST(proc_maps_numbers_bounded)
{
	static struct proc_map m;

	ASSERT_EQ(parse("0-ffffffffffffffff r--p ffffffffffffffff ffffffff:"
			"ffffffff 18446744073709551615 /x",
			&m),
		  0);
	ASSERT_EQ(m.end, UINT64_MAX);
	ASSERT_EQ(m.offset, UINT64_MAX);
	ASSERT_EQ(m.inode, UINT64_MAX);
	ASSERT_EQ(m.dev_major, UINT32_MAX);
	/* 17 digits, even when the value would fit */
	ASSERT_EQ(parse("0-1ffffffffffffffff r--p 0 0:0 0", &m), -EINVAL);
	ASSERT_EQ(parse("0-0ffffffffffffffff r--p 0 0:0 0", &m), -EINVAL);
	ASSERT_EQ(parse("0-1000 r--p 10000000000000000 0:0 0", &m), -EINVAL);
	ASSERT_EQ(parse("0-1000 r--p 0 100000000:0 0", &m), -EINVAL);
	ASSERT_EQ(parse("0-1000 r--p 0 0:100000000 0", &m), -EINVAL);
	ASSERT_EQ(parse("0-1000 r--p 0 0:0 18446744073709551616", &m), -EINVAL);
	ASSERT_EQ(parse("0-1000 r--p 0 0:0 99999999999999999999", &m), -EINVAL);
	ASSERT_EQ(parse("0-1000 r--p 0 0:0 000000000000000000000000001", &m),
		  0);
	ASSERT_EQ(m.inode, 1);
}

TEST(proc_maps_malformed)
{
	static const char *const bad[] = {
		"",
		"\n",
		"7f0000000000-7f0000001000 r-xp 00000000 08:02",
		"7f0000000000-7f0000001000 r-xp 00000000 08:02 ",
		"7f0000000000-7f0000001000 r-xp 00000000 08:02 x /a",
		"7f0000000000-7f0000001000 r-xp 00000000 0802 1 /a",
		"7f0000000000-7f0000001000 r-xp 00000000 1 /a",
		"7f0000000000-7f0000001000 r-x 00000000 08:02 1 /a",
		"7f0000000000-7f0000001000 r-xq 00000000 08:02 1 /a",
		"7f0000000000-7f0000001000 rwxps 00000000 08:02 1 /a",
		"7f0000000000-7f0000001000 xrwp 00000000 08:02 1 /a",
		"7f0000000000-7f0000001000 00000000 08:02 1 /a",
		"7f0000000000 r-xp 00000000 08:02 1 /a",
		"7f0000000000- r-xp 00000000 08:02 1 /a",
		"-7f0000001000 r-xp 00000000 08:02 1 /a",
		"7F0000000000-7F0000001000 r-xp 00000000 08:02 1 /a",
		"0x7f0000000000-0x7f0000001000 r-xp 00000000 08:02 1 /a",
		"7f0000000000-7f0000001000  r-xp 00000000 08:02 1 /a",
		"7f0000000000-7f0000001000\tr-xp 00000000 08:02 1 /a",
		"7f0000000000-7f0000001000 r-xp 00000000 08:02 1\t/a",
		"7f0000000000-7f0000001000 r-xp 00000000 08:02 123abc",
		"7f0000000000-7f0000001000 r-xp 00000000 08:02 -1 /a",
		" 7f0000000000-7f0000001000 r-xp 00000000 08:02 1 /a",
		"7f0000001000-7f0000001000 r-xp 00000000 08:02 1 /a",
		"7f0000002000-7f0000001000 r-xp 00000000 08:02 1 /a",
		"7f0000000000-7f0000001000 r-xp 00000000 08:02 1 /a\n\n",
		"7f0000000000-7f0000001000 r-xp 00000000 08:02 1 /a\nb",
	};
	static struct proc_map m;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i], &m) != -EINVAL)
			test__fail(__FILE__, __LINE__, "accepted \"%s\"",
				   bad[i]);
	}
	/* a NUL inside the line */
	ASSERT_EQ(proc_maps__parse_line("1000-2000 r--p 0 0:0 1 /a\0b", 27, &m),
		  -EINVAL);
	ASSERT_EQ(proc_maps__parse_line(NULL, 0, &m), -EINVAL);
}

/* Cut before the inode's first digit, a line is malformed; after, it is not */
TEST(proc_maps_truncated)
{
	static const char line[] = "7f2c5a000000-7f2c5a021000 r-xp 00002000 "
				   "fd:01 1234567 /lib/x.so";
	size_t inode_at = strstr(line, "1234567") - line;
	static struct proc_map m;

	for (size_t cut = 0; cut < sizeof(line) - 1; cut++) {
		int r = proc_maps__parse_line(line, cut, &m);

		if (r != (cut <= inode_at ? -EINVAL : 0))
			test__fail(__FILE__, __LINE__, "cut at %zu: %d", cut,
				   r);
		if (!r && cut > inode_at + 8)
			ASSERT_EQ(strlen(m.path), cut - (inode_at + 8));
	}
}

TEST(proc_maps_path_too_long)
{
	static char line[PROC_MAPS_LINE_MAX];
	static struct proc_map m;
	const char *head = "1000-2000 r--p 00000000 08:01 77 ";
	size_t hlen = strlen(head);

	/* the longest path that fits, then one more byte */
	memcpy(line, head, hlen);
	line[hlen] = '/';
	memset(line + hlen + 1, 'a', sizeof(m.path) - 2);
	ASSERT_EQ(proc_maps__parse_line(line, hlen + sizeof(m.path) - 1, &m),
		  0);
	ASSERT_EQ(strlen(m.path), sizeof(m.path) - 1);
	line[hlen + sizeof(m.path) - 1] = 'a';
	ASSERT_EQ(proc_maps__parse_line(line, hlen + sizeof(m.path), &m),
		  -ENAMETOOLONG);
	/* " (deleted)" does not count: it is stripped */
	memcpy(line + hlen + sizeof(m.path) - 1, " (deleted)", 10);
	ASSERT_EQ(proc_maps__parse_line(line, hlen + sizeof(m.path) + 9, &m),
		  0);
	ASSERT_TRUE(m.deleted);
	ASSERT_EQ(strlen(m.path), sizeof(m.path) - 1);
}

struct seen {
	char exe[PATH_MAX];
	bool exe_exec, libc_exec;
	unsigned int calls;
	bool not_file;
	uintptr_t skip_start; /* a mapping that must not be reported */
	bool skipped_reported, after_skipped;
};

static int on_map(const struct proc_map *m, void *arg)
{
	struct seen *s = arg;
	const char *base = strrchr(m->path, '/');

	s->calls++;
	if (!m->inode || m->path[0] != '/' || m->start >= m->end)
		s->not_file = true;
	if (!strcmp(m->path, s->exe) && m->exec)
		s->exe_exec = true;
	if (base && !strncmp(base, "/libc.so", 8) && m->exec)
		s->libc_exec = true;
	if (s->skip_start && m->start == s->skip_start)
		s->skipped_reported = true;
	if (s->skip_start && m->start > s->skip_start)
		s->after_skipped = true;
	return 0;
}

TEST(proc_maps_self)
{
	static struct seen s;
	unsigned int nbad = 99;

	memset(&s, 0, sizeof(s));
	ASSERT_TRUE(realpath("/proc/self/exe", s.exe));
	ASSERT_EQ(proc_maps__for_each(getpid(), on_map, &s, &nbad), 0);
	ASSERT_EQ(nbad, 0);
	ASSERT_TRUE(s.calls > 0 && !s.not_file);
	ASSERT_TRUE(s.exe_exec);
	ASSERT_TRUE(s.libc_exec);
	ASSERT_EQ(proc_maps__for_each(getpid(), on_map, &s, NULL), 0);
}

static int stop_at_first(const struct proc_map *m, void *arg)
{
	(*(unsigned int *)arg)++;
	return 42;
}

TEST(proc_maps_stops_when_asked)
{
	unsigned int calls = 0;

	ASSERT_EQ(proc_maps__for_each(getpid(), stop_at_first, &calls, NULL),
		  42);
	ASSERT_EQ(calls, 1);
}

TEST(proc_maps_no_such_process)
{
	unsigned int nbad = 7;
	int r = proc_maps__for_each(NO_PID, stop_at_first, NULL, &nbad);

	ASSERT_TRUE(r == -ENOENT || r == -ESRCH);
	ASSERT_EQ(proc_maps__for_each(0, stop_at_first, NULL, NULL), -EINVAL);
	ASSERT_EQ(proc_maps__for_each(-1, stop_at_first, NULL, NULL), -EINVAL);
	ASSERT_EQ(proc_maps__for_each(getpid(), NULL, NULL, NULL), -EINVAL);
}

/*
 * A line longer than the buffer: a file whose directories' names are all
 * newlines, which the kernel writes four bytes each ("\012"). Mapped, it
 * must be skipped and counted, and the lines after it still read.
 */
#define NL_DEPTH 12
#define NL_NAME 200

static void rm_nl_tree(const char *top, int depth)
{
	char name[NL_NAME + 1];
	int fds[NL_DEPTH + 1];

	memset(name, '\n', NL_NAME);
	name[NL_NAME] = '\0';
	fds[0] = open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (int i = 0; i < depth; i++)
		fds[i + 1] =
			fds[i] < 0 ? -1
				   : openat(fds[i], name,
					    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (int i = depth; i >= 0; i--) {
		if (fds[i] < 0)
			continue;
		unlinkat(fds[i], i == depth ? "f" : name,
			 i == depth ? 0 : AT_REMOVEDIR);
		close(fds[i]);
	}
	rmdir(top);
}

TEST(proc_maps_long_line_skipped)
{
	char top[] = "/tmp/spantap-maps-XXXXXX", name[NL_NAME + 1];
	static struct seen s;
	unsigned int nbad = 0;
	int dir, fd = -1, depth = 0, r;
	void *map = MAP_FAILED;
	bool made;

	memset(name, '\n', NL_NAME);
	name[NL_NAME] = '\0';
	ASSERT_TRUE(mkdtemp(top));
	dir = open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	made = dir >= 0;
	while (made && depth < NL_DEPTH) {
		int next = -1;

		if (!mkdirat(dir, name, 0700)) {
			depth++;
			next = openat(dir, name,
				      O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		}
		close(dir);
		dir = next;
		made = dir >= 0;
	}
	if (made) {
		fd = openat(dir, "f", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		made = fd >= 0 && !ftruncate(fd, 4096);
	}
	if (made) {
		map = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
		made = map != MAP_FAILED;
	}
	if (dir >= 0)
		close(dir);
	if (fd >= 0)
		close(fd);
	memset(&s, 0, sizeof(s));
	s.skip_start = (uintptr_t)map;
	r = made ? proc_maps__for_each(getpid(), on_map, &s, &nbad) : -1;
	if (map != MAP_FAILED)
		munmap(map, 4096);
	rm_nl_tree(top, depth);
	ASSERT_TRUE(made);
	ASSERT_EQ(r, 0);
	ASSERT_EQ(nbad, 1);
	ASSERT_TRUE(!s.skipped_reported);
	/* the loader and libc are mapped above what was mapped last */
	ASSERT_TRUE(s.after_skipped);
	ASSERT_TRUE(s.libc_exec);
}

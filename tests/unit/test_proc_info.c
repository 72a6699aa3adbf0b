// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "proc_info.h"
#include "test.h"

/* Pids above the kernel's PID_MAX_LIMIT (4M) never name a process. */
#define NO_PID(n) (0x7fff0000u + (n))

static const char *sleep_path(void)
{
	return access("/usr/bin/sleep", X_OK) ? "/bin/sleep" : "/usr/bin/sleep";
}

/*
 * Start argv (argv[0] a path) with envp and return once it runs with its new
 * environment, or -1. The close-on-exec pipe tells the exec happened; the
 * kernel sets up the new environ a little later, so wait for that too.
 */
static pid_t spawn(char *const argv[], char *const envp[])
{
	char path[64], buf[16];
	int fds[2], fd;
	ssize_t n;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		close(fds[0]);
		execve(argv[0], argv, envp);
		if (write(fds[1], "x", 1) < 0)
			_exit(126);
		_exit(127);
	}
	close(fds[1]);
	do
		n = read(fds[0], buf, 1);
	while (n < 0 && errno == EINTR);
	close(fds[0]);
	if (n) {
		waitpid(pid, NULL, 0);
		return -1;
	}

	snprintf(path, sizeof(path), "/proc/%d/environ", pid);
	for (int i = 0; i < 2000; i++) {
		fd = open(path, O_RDONLY);
		n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;
		if (fd >= 0)
			close(fd);
		if (n > 0)
			break;
		usleep(1000);
	}
	return pid;
}

static pid_t spawn_sleep(char *const envp[])
{
	char *const argv[] = { (char *)sleep_path(), "5", NULL };

	return spawn(argv, envp);
}

static void reap(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

TEST(proc_info_self)
{
	struct proc_cache *c = proc_cache__new(16);
	const struct proc_info *pi;
	const char *env, *base, *want_service;
	char exe[256];
	ssize_t n;

	ASSERT_TRUE(c);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	ASSERT_TRUE(n > 0);
	exe[n] = '\0';
	base = strrchr(exe, '/') + 1;
	env = getenv("OTEL_SERVICE_NAME");
	want_service = env && *env ? env : base;

	pi = proc_cache__get(c, getpid(), "comm-ignored");
	ASSERT_TRUE(pi);
	ASSERT_EQ(pi->pid, getpid());
	ASSERT_STREQ(pi->exe_name, base);
	ASSERT_STREQ(pi->exe_path, exe);
	ASSERT_STREQ(pi->service_name, want_service);
	ASSERT_TRUE(pi->start_ticks > 0);
	/* cached: the same entry again */
	ASSERT_TRUE(proc_cache__get(c, getpid(), NULL) == pi);
	proc_cache__free(c);
	proc_cache__free(NULL);
}

TEST(proc_info_child_otel_env)
{
	char *const envp[] = {
		"PATH=/usr/bin:/bin",
		"OTEL_SERVICE_NAME=foo",
		"OTEL_RESOURCE_ATTRIBUTES=deployment.environment=test,team=a%20b",
		"OTEL_SERVICE_NAME=second-definition-ignored",
		NULL,
	};
	struct proc_cache *c = proc_cache__new(16);
	const struct proc_info *pi;
	pid_t pid;

	ASSERT_TRUE(c);
	pid = spawn_sleep(envp);
	ASSERT_TRUE(pid > 0);
	pi = proc_cache__get(c, pid, "sleep");
	reap(pid);
	ASSERT_EQ(pi->pid, pid);
	ASSERT_STREQ(pi->service_name, "foo");
	ASSERT_STREQ(pi->exe_name, "sleep");
	ASSERT_STREQ(pi->otel_resource_attrs,
		     "deployment.environment=test,team=a%20b");
	ASSERT_TRUE(pi->start_ticks > 0);
	proc_cache__free(c);
}

TEST(proc_info_child_empty_service_name)
{
	char *const envp[] = {
		"XOTEL_SERVICE_NAME=not-this",
		"OTEL_SERVICE_NAMEX=nor-this",
		"OTEL_SERVICE_NAME=",
		NULL,
	};
	struct proc_cache *c = proc_cache__new(16);
	const struct proc_info *pi;
	pid_t pid;

	ASSERT_TRUE(c);
	pid = spawn_sleep(envp);
	ASSERT_TRUE(pid > 0);
	pi = proc_cache__get(c, pid, "whatever");
	reap(pid);
	ASSERT_STREQ(pi->service_name, "sleep");
	ASSERT_STREQ(pi->exe_name, "sleep");
	ASSERT_STREQ(pi->otel_resource_attrs, "");
	proc_cache__free(c);
}

TEST(proc_info_vanished_pid_uses_comm)
{
	struct proc_cache *c = proc_cache__new(16);
	const struct proc_info *pi;
	pid_t pid;

	ASSERT_TRUE(c);
	pid = fork();
	ASSERT_TRUE(pid >= 0);
	if (!pid)
		_exit(0);
	waitpid(pid, NULL, 0);

	pi = proc_cache__get(c, pid, "ghost");
	ASSERT_EQ(pi->pid, pid);
	ASSERT_STREQ(pi->exe_name, "ghost");
	ASSERT_STREQ(pi->service_name, "ghost");
	ASSERT_STREQ(pi->exe_path, "");
	ASSERT_EQ(pi->start_ticks, 0);

	/* comm is read up to TASK_COMM_LEN (16) bytes, and made valid */
	pi = proc_cache__get(c, NO_PID(1), "a-rather-long-comm-name");
	ASSERT_STREQ(pi->exe_name, "a-rather-long-co");
	pi = proc_cache__get(c, NO_PID(2), "bad\xff");
	ASSERT_STREQ(pi->exe_name, "bad\xef\xbf\xbd");
	pi = proc_cache__get(c, NO_PID(3), NULL);
	ASSERT_STREQ(pi->exe_name, "pid-2147418115");
	/* never seen in /proc, so another comm means another program */
	pi = proc_cache__get(c, NO_PID(3), "later");
	ASSERT_STREQ(pi->service_name, "later");
	proc_cache__free(c);
}

TEST(proc_info_lru_eviction)
{
	struct proc_cache *c = proc_cache__new(2);
	const struct proc_info *a, *b, *x;

	ASSERT_TRUE(c);
	a = proc_cache__get(c, NO_PID(1), "a");
	b = proc_cache__get(c, NO_PID(2), "b");
	ASSERT_TRUE(a != b);
	/* a is used again, so b is the least recently used */
	ASSERT_TRUE(proc_cache__get(c, NO_PID(1), "a") == a);
	x = proc_cache__get(c, NO_PID(3), "c");
	ASSERT_TRUE(x == b);
	ASSERT_STREQ(x->exe_name, "c");
	ASSERT_STREQ(a->exe_name, "a");
	ASSERT_EQ(a->pid, NO_PID(1));

	/* forget frees a slot: no eviction for the next one */
	proc_cache__forget(c, NO_PID(1));
	proc_cache__forget(c, NO_PID(42));
	x = proc_cache__get(c, NO_PID(4), "d");
	ASSERT_TRUE(x == a);
	ASSERT_TRUE(proc_cache__get(c, NO_PID(3), "c") == b);
	ASSERT_STREQ(b->exe_name, "c");
	proc_cache__free(c);

	errno = 0;
	ASSERT_TRUE(!proc_cache__new(0));
	ASSERT_EQ(errno, EINVAL);
}

/*
 * The entry used last is found without a lookup: the LRU order, forget,
 * and the reload on a new comm still hold for it.
 */
TEST(proc_info_lru_head_hits)
{
	struct proc_cache *c = proc_cache__new(3);
	const struct proc_info *a, *b, *x;

	ASSERT_TRUE(c);
	a = proc_cache__get(c, NO_PID(1), "a");
	b = proc_cache__get(c, NO_PID(2), "b");
	x = proc_cache__get(c, NO_PID(3), "c");
	ASSERT_TRUE(proc_cache__get(c, NO_PID(3), "c") == x);
	ASSERT_TRUE(proc_cache__get(c, NO_PID(3), NULL) == x);
	/* a used again, then c: b is the least recently used */
	ASSERT_TRUE(proc_cache__get(c, NO_PID(1), "a") == a);
	ASSERT_TRUE(proc_cache__get(c, NO_PID(1), "a") == a);
	ASSERT_TRUE(proc_cache__get(c, NO_PID(3), "c") == x);
	ASSERT_TRUE(proc_cache__get(c, NO_PID(4), "d") == b);
	ASSERT_STREQ(b->exe_name, "d");
	/* the last used, forgotten, is loaded anew */
	proc_cache__forget(c, NO_PID(4));
	ASSERT_TRUE(proc_cache__get(c, NO_PID(4), NULL) == b);
	ASSERT_STREQ(b->exe_name, "pid-2147418116");
	/* and, never seen in /proc, another comm is another program */
	ASSERT_TRUE(proc_cache__get(c, NO_PID(4), "e") == b);
	ASSERT_STREQ(b->exe_name, "e");
	ASSERT_STREQ(a->exe_name, "a");
	ASSERT_STREQ(x->exe_name, "c");
	proc_cache__free(c);
}

TEST(proc_info_many_pids_stay_consistent)
{
	struct proc_cache *c = proc_cache__new(64);
	char comm[16];

	ASSERT_TRUE(c);
	/* churn through more pids than fit, with hash collisions */
	for (uint32_t round = 0; round < 3; round++) {
		for (uint32_t i = 0; i < 500; i++) {
			const struct proc_info *pi;
			uint32_t pid = NO_PID(i * 64);

			snprintf(comm, sizeof(comm), "p%u", i);
			pi = proc_cache__get(c, pid, comm);
			ASSERT_EQ(pi->pid, pid);
			ASSERT_STREQ(pi->exe_name, comm);
			if (i % 7 == 0)
				proc_cache__forget(c, pid);
		}
	}
	proc_cache__free(c);
}

TEST(proc_info_stat_comm_with_parens)
{
	struct proc_cache *c = proc_cache__new(4);
	char old[17] = { 0 };
	uint64_t ticks;
	const struct proc_info *pi;

	ASSERT_TRUE(c);
	ASSERT_EQ(prctl(PR_GET_NAME, old), 0);
	ticks = proc_cache__get(c, getpid(), NULL)->start_ticks;
	proc_cache__forget(c, getpid());

	/* fields are counted from the last ')' of /proc/PID/stat */
	ASSERT_EQ(prctl(PR_SET_NAME, "x) 1 2 (y) z"), 0);
	pi = proc_cache__get(c, getpid(), NULL);
	prctl(PR_SET_NAME, old);
	ASSERT_TRUE(ticks > 0);
	ASSERT_EQ(pi->start_ticks, ticks);
	proc_cache__free(c);
}

static bool exe_is(pid_t pid, const char *want)
{
	char link[64], exe[256];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%d/exe", pid);
	n = readlink(link, exe, sizeof(exe) - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	return !strcmp(strrchr(exe, '/') + 1, want);
}

/* exec keeps the pid and the start time: the executable tells. */
TEST(proc_info_exec_noticed)
{
	char *const argv[] = { "/bin/sh", "-c", "sleep 1.2; exec sleep 5", NULL };
	char *const envp[] = { "PATH=/usr/bin:/bin", NULL };
	struct proc_cache *c = proc_cache__new(4);
	const struct proc_info *pi;
	char shell[64];
	pid_t pid;

	ASSERT_TRUE(c);
	pid = spawn(argv, envp);
	ASSERT_TRUE(pid > 0);
	pi = proc_cache__get(c, pid, "sh");
	snprintf(shell, sizeof(shell), "%s", pi->exe_name);
	for (int i = 0; i < 300 && !exe_is(pid, "sleep"); i++)
		usleep(10000);
	usleep(100000);
	pi = proc_cache__get(c, pid, "sleep");
	reap(pid);
	ASSERT_TRUE(strcmp(shell, "sleep"));
	ASSERT_STREQ(pi->exe_name, "sleep");
	proc_cache__free(c);
}

/*
 * The entries gets and forgets land in, against the cache as it was: a
 * list in order of use, moved to its front on every use, its tail evicted
 * once no slot is free; forgotten slots are taken again last freed first.
 * A slot is known by the pointer first returned from it.
 */
TEST(proc_info_lru_as_list)
{
	enum { MAX = 6, PIDS = 14 };
	struct proc_cache *c = proc_cache__new(MAX);
	const struct proc_info *slot_ptr[MAX] = {};
	int order[MAX], norder = 0; /* slots, most recently used first */
	int free_stack[MAX], nfree = MAX;
	int slot_of[PIDS];
	unsigned int seed = 11;
	char comm[16];

	ASSERT_TRUE(c);
	for (int i = 0; i < MAX; i++)
		free_stack[i] = MAX - 1 - i; /* slot 0 on top */
	for (int p = 0; p < PIDS; p++)
		slot_of[p] = -1;
	for (int iter = 0; iter < 20000; iter++) {
		int p = rand_r(&seed) % PIDS, k, j;
		const struct proc_info *pi;

		if (rand_r(&seed) % 8 == 0) {
			proc_cache__forget(c, NO_PID(p));
			k = slot_of[p];
			if (k < 0)
				continue;
			for (j = 0; order[j] != k; j++)
				;
			memmove(order + j, order + j + 1,
				(norder - j - 1) * sizeof(*order));
			norder--;
			free_stack[nfree++] = k;
			slot_of[p] = -1;
			continue;
		}
		/* the same pid asked again at once, as a span's build does */
		if (rand_r(&seed) % 4 == 0 && norder)
			for (p = 0; slot_of[p] != order[0]; p++)
				;
		snprintf(comm, sizeof(comm), "p%d", p);
		pi = proc_cache__get(c, NO_PID(p),
				     rand_r(&seed) % 2 ? comm : NULL);
		k = slot_of[p];
		if (k >= 0) {
			for (j = 0; order[j] != k; j++)
				;
			memmove(order + 1, order, j * sizeof(*order));
		} else {
			if (nfree) {
				k = free_stack[--nfree];
			} else {
				k = order[--norder];
				for (j = 0; slot_of[j] != k; j++)
					;
				slot_of[j] = -1;
			}
			memmove(order + 1, order, norder * sizeof(*order));
			norder++;
			slot_of[p] = k;
		}
		order[0] = k;
		if (!slot_ptr[k])
			slot_ptr[k] = pi;
		ASSERT_TRUE(pi == slot_ptr[k]);
		ASSERT_EQ(pi->pid, NO_PID(p));
	}
	proc_cache__free(c);
}

/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Who a pid is, for spans: service name, executable, OpenTelemetry resource
 * attributes from its environment. Read from /proc once per process and
 * cached; pid reuse is told apart by the process start time.
 */
#ifndef __SPANTAP_PROC_INFO_H
#define __SPANTAP_PROC_INFO_H

#include <stddef.h>
#include <stdint.h>

/* Bytes of /proc/PID/environ looked at; the rest is ignored. */
#define PROC_ENVIRON_MAX (256 * 1024)

struct proc_info {
	uint32_t pid;
	char service_name[128]; /* OTEL_SERVICE_NAME, else exe_name */
	char exe_name[64];	/* basename of the executable, else comm */
	char exe_path[256];	/* as /proc/PID/exe reads, "" when unknown */
	char otel_resource_attrs[512]; /* OTEL_RESOURCE_ATTRIBUTES, raw */
	/* /proc/PID/cmdline with arguments joined by spaces, cut to fit */
	char command_line[256];
	uint8_t own_service_name; /* service_name came from OTEL_SERVICE_NAME */
	/*
	 * A Go program: goroutines move between threads, so the thread a
	 * request was read on says nothing of what a later call belongs to
	 */
	uint8_t go_runtime;
	uint64_t start_ticks; /* /proc/PID/stat field 22, 0 when unknown */
};

struct proc_cache;

/* A cache of at most max_entries processes; NULL with errno on failure. */
struct proc_cache *proc_cache__new(size_t max_entries);

/*
 * Info for pid, read from /proc on first use and cached. comm is the
 * kernel's comm (at most 16 bytes are read; may be NULL), used as exe_name
 * and service name when /proc has nothing. Never NULL for a valid cache:
 * returns a best-effort entry. The pointer stays valid until the next call
 * on the cache.
 */
const struct proc_info *proc_cache__get(struct proc_cache *c, uint32_t pid,
					const char *comm);

/*
 * Fill pi for a process known only by its pid and a name (a span from a
 * recording, with no /proc to ask): the name stands for the executable.
 */
void proc_info__stand_in(struct proc_info *pi, uint32_t pid, const char *name,
			 size_t name_size);

/*
 * The time now (CLOCK_MONOTONIC ns), for a caller that reads the clock
 * anyway: entries are revalidated against it rather than a clock read per
 * lookup. Without ticks the cache reads the clock itself.
 */
void proc_cache__tick(struct proc_cache *c, uint64_t now);

/* Drop pid's entry, e.g. when the process exited. */
void proc_cache__forget(struct proc_cache *c, uint32_t pid);

void proc_cache__free(struct proc_cache *c);

#endif /* __SPANTAP_PROC_INFO_H */

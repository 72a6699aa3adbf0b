/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The BPF side's lifecycle: open the skeleton, set the load-time knobs and
 * filters, load, attach the programs of one attach mode, and read the
 * kernel's loss counters.
 */
#ifndef __SPANTAP_LOADER_H
#define __SPANTAP_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel_features.h"
#include "spantap/event.h"

struct loader_opts {
	const uint32_t *pids;
	size_t npids;
	const char (*comms)[ST_COMM_LEN];
	size_t ncomms;
	const uint16_t *ports;
	size_t nports;
	uint32_t payload_cap; /* bytes copied per event, <= ST_PAYLOAD_MAX */
	uint32_t ringbuf_bytes; /* power of two, >= page size */
	enum attach_mode mode; /* tracepoint or socket, not auto */
	bool fentry; /* socket mode by fentry/fexit, else kprobes */
	/*
	 * Load the TLS uprobe programs and watch processes for libraries
	 * to attach them to (loader__attach_uprobe).
	 */
	bool tls;
};

/* One uprobe and its return probe, on a function at a file offset. */
struct uprobe_spec {
	uint64_t offset;
	const char *entry_prog; /* BPF program names */
	const char *ret_prog; /* NULL: none */
};

struct loader;

/*
 * Load and attach. On failure returns -errno and writes what went wrong and
 * what to do about it into errbuf.
 */
int loader__start(const struct loader_opts *o, struct loader **ret,
		  char *errbuf, size_t errlen);
int loader__ringbuf_fd(const struct loader *l);
/*
 * TLS library calls in progress now, as the kernel counts them: while it
 * is above 0 every socket transfer looks up its thread's call, so 0 once
 * the traffic stops, or the count leaked.
 */
uint64_t loader__tls_calls_open(const struct loader *l);
/*
 * The agent will not parse conn_id's bytes (another protocol): the kernel
 * stops sending them, and counts what it holds back. tls: the connection's
 * plaintext from a TLS library too; else its socket bytes only.
 */
void loader__skip_other_proto(struct loader *l, uint64_t conn_id, bool tls);
/*
 * The agent has read pid's identity from /proc: the BPF side stops waking
 * it at once for every connection pid opens.
 */
void loader__know_pid(struct loader *l, uint32_t pid);
/* Sum the per-CPU counters into out[ST_STAT__MAX]. */
int loader__read_stats(const struct loader *l, uint64_t *out);
enum attach_mode loader__mode(const struct loader *l);
/* Number of programs attached. */
/* How the data syscalls are seen in the tracepoint mode; NULL otherwise */
const char *loader__io_desc(const struct loader *l);
unsigned int loader__nattached(const struct loader *l);

struct uprobe_links;
/*
 * Attach the n specs to the file at path, for every process that maps it.
 * All or nothing: on failure nothing stays attached, and errbuf says what
 * failed.
 */
int loader__attach_uprobes(struct loader *l, const char *path,
			   const struct uprobe_spec *specs, size_t n,
			   struct uprobe_links **ret, char *errbuf,
			   size_t errlen);
/* Detach and free; NULL-safe. */
void uprobe_links__free(struct uprobe_links *ul);
/* Whether pid's exit should be reported (ST_EV_PROC_EXIT). */
int loader__watch_pid(struct loader *l, uint32_t pid, bool on);
void loader__free(struct loader *l);

#endif /* __SPANTAP_LOADER_H */

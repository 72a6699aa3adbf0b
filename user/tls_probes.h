/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * OpenSSL's plaintext for capture: finds the processes' OpenSSL (shared
 * libssl, or linked into the executable), attaches the TLS uprobes to each
 * file once, follows processes as they exec, load libraries and end, and
 * says what it attached to and what failed.
 */
#ifndef __SPANTAP_TLS_PROBES_H
#define __SPANTAP_TLS_PROBES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "spantap/event.h"

struct loader;
struct tls_probes;

struct tls_probes_opts {
	/* the capture's process filters: others are not scanned */
	const uint32_t *pids;
	size_t npids;
	const char (*comms)[ST_COMM_LEN];
	size_t ncomms;
	bool quiet; /* no line per library attached (check prints its own) */
};

/* NULL with errno set. The loader must have been started with tls. */
struct tls_probes *tls_probes__new(struct loader *l,
				   const struct tls_probes_opts *o);
/* Scan the running processes and attach. Returns processes scanned. */
int tls_probes__start(struct tls_probes *tp);
/* An ST_EV_PROC_* event from the ring buffer. */
void tls_probes__event(struct tls_probes *tp, const struct st_proc_event *e);
/* Scan what events asked for; now and then forget ended processes. */
void tls_probes__tick(struct tls_probes *tp, uint64_t now_ns);
/* One line per library file found, for spantap check. */
void tls_probes__list(const struct tls_probes *tp, FILE *out);
/* The "spantap: tls:" counters line. */
void tls_probes__report(const struct tls_probes *tp, FILE *out);
/* Detach everything; NULL-safe. */
void tls_probes__free(struct tls_probes *tp);

#endif /* __SPANTAP_TLS_PROBES_H */

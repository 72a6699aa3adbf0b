/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * OTLP resources: who produced a span. spantap sends one Resource per
 * observed process (pid and start time tell reused pids apart), built once
 * from /proc facts, the process's own OTEL_* variables, and what spantap's
 * user configured, and shared by every span of that process.
 */
#ifndef __SPANTAP_OTLP_RESOURCE_H
#define __SPANTAP_OTLP_RESOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "export/otlp_config.h"
#include "proc_info.h"

#define OTLP_RESOURCE_MAX_ATTRS 96

/* An attribute: a string (str != NULL, len bytes, valid UTF-8) or an int. */
struct otlp_attr {
	const char *key;
	const char *str;
	size_t len;
	int64_t i;
};

struct otlp_resource {
	uint32_t pid;
	uint64_t start_ticks;
	unsigned int refs; /* spans holding it; evictable at 0 */
	uint64_t last_use; /* for LRU eviction */
	size_t nattrs;
	struct otlp_attr attrs[OTLP_RESOURCE_MAX_ATTRS];
	char *strings; /* one block holding every key and value */
};

struct otlp_resources;

/*
 * A table of at most max idle resources (in use ones are never evicted).
 * cfg (service name, resource attributes) must outlive the table. NULL with
 * errno on failure. Not thread-safe: callers lock.
 */
struct otlp_resources *otlp_resources__new(const struct otlp_config *cfg,
					   size_t max);
/*
 * The resource of process pi, with one more reference; NULL when out of
 * memory.
 */
struct otlp_resource *otlp_resources__get(struct otlp_resources *t,
					  const struct proc_info *pi);
void otlp_resources__put(struct otlp_resources *t, struct otlp_resource *r);
void otlp_resources__free(struct otlp_resources *t);

/* The attribute named key, or NULL. */
const struct otlp_attr *otlp_resource__attr(const struct otlp_resource *r,
					    const char *key);

#endif /* __SPANTAP_OTLP_RESOURCE_H */

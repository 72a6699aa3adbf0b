/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * A fake environment for otlp_config__load_env, the warnings it gives, and
 * lookups in the result: flags are tested on top of a loaded environment,
 * so test_otlp_env.c and test_otlp_config.c both need them.
 */
#ifndef __SPANTAP_TEST_OTLP_ENV_FAKE_H
#define __SPANTAP_TEST_OTLP_ENV_FAKE_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "export/otlp_config.h"

/* name, value pairs, then NULL */
#define ENV(...)                  \
	(const char *const[])     \
	{                         \
		__VA_ARGS__, NULL \
	}

/* In every value that must never show up in a message. */
#define SECRET "s3cr3t"

#define MAX_WARNINGS 16

struct warnings {
	int n;
	char name[MAX_WARNINGS][64];
	char msg[MAX_WARNINGS][512];
};

static inline const char *fake_getenv(const char *name, void *arg)
{
	const char *const *kv = arg;

	for (; kv[0]; kv += 2)
		if (!strcmp(kv[0], name))
			return kv[1];
	return NULL;
}

static inline void record_warning(const char *name, const char *msg, void *arg)
{
	struct warnings *w = arg;

	if (w->n == MAX_WARNINGS)
		return;
	snprintf(w->name[w->n], sizeof(w->name[0]), "%s", name);
	snprintf(w->msg[w->n], sizeof(w->msg[0]), "%s", msg);
	w->n++;
}

static inline int load(struct otlp_config *c, const char *const *env,
		       struct warnings *w)
{
	memset(w, 0, sizeof(*w));
	otlp_config__init(c);
	return otlp_config__load_env(c, fake_getenv, (void *)env,
				     record_warning, w);
}

/* One line of printable ASCII, without SECRET. */
static inline bool msg_clean(const char *msg)
{
	for (const char *p = msg; *p; p++)
		if (*p < 0x20 || *p >= 0x7f)
			return false;
	return !strstr(msg, SECRET);
}

static inline const char *header(const struct otlp_config *c, const char *key)
{
	for (size_t i = 0; i < c->nheaders; i++)
		if (!strcmp(c->headers[i].key, key))
			return c->headers[i].value;
	return NULL;
}

static inline const char *attr(const struct otlp_config *c, const char *key)
{
	for (size_t i = 0; i < c->nresource_attrs; i++)
		if (!strcmp(c->resource_attrs[i].key, key))
			return c->resource_attrs[i].value;
	return NULL;
}

#endif /* __SPANTAP_TEST_OTLP_ENV_FAKE_H */

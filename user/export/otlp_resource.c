// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "export/otlp_kvlist.h"
#include "export/otlp_resource.h"
#include "util/utf8.h"

struct otlp_resources {
	const struct otlp_config *cfg;
	char host_name[256];
	size_t max;
	size_t n;
	size_t cap;
	uint64_t clock;		    /* a use counter, for LRU */
	struct otlp_resource *last; /* spans come in runs from one process */
	struct otlp_resource **all;
};

/*
 * While a resource is built its attributes point into the sources (proc
 * info, config, a parsed list); they are copied into one block at the end.
 */
struct builder {
	size_t n;
	struct otlp_attr a[OTLP_RESOURCE_MAX_ATTRS];
};

/* Later sets replace earlier ones: keys stay unique, order is kept. */
static void builder__set(struct builder *b, const char *key, const char *str,
			 size_t len, int64_t i)
{
	struct otlp_attr *a = NULL;

	for (size_t j = 0; j < b->n; j++)
		if (!strcmp(b->a[j].key, key))
			a = &b->a[j];
	if (!a) {
		if (b->n == OTLP_RESOURCE_MAX_ATTRS)
			return;
		a = &b->a[b->n++];
	}
	a->key = key;
	a->str = str;
	a->len = len;
	a->i = i;
}

static void builder__set_str(struct builder *b, const char *key,
			     const char *str)
{
	if (str && *str)
		builder__set(b, key, str, strlen(str), 0);
}

static const char *kv_find(const struct otlp_kv *kv, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(kv[i].key, key))
			return kv[i].value;
	return NULL;
}

/* Copy keys and values into one block so the resource owns them. */
static int resource__own(struct otlp_resource *r, const struct builder *b)
{
	size_t total = 0, off = 0;

	for (size_t i = 0; i < b->n; i++)
		total += strlen(b->a[i].key) + 1 +
			 (b->a[i].str ? b->a[i].len * 3 + 1 : 0);
	r->strings = malloc(total ? total : 1);
	if (!r->strings)
		return -ENOMEM;
	for (size_t i = 0; i < b->n; i++) {
		struct otlp_attr *a = &r->attrs[i];
		size_t klen = strlen(b->a[i].key);

		a->key = memcpy(r->strings + off, b->a[i].key, klen + 1);
		off += klen + 1;
		a->i = b->a[i].i;
		a->str = NULL;
		a->len = 0;
		if (b->a[i].str) {
			/* values from environments are repaired, never trusted:
			 * each bad byte can grow to three */
			a->len = utf8__copy(r->strings + off, b->a[i].len * 3,
					    b->a[i].str, b->a[i].len);
			a->str = r->strings + off;
			r->strings[off + a->len] = '\0';
			off += a->len + 1;
		}
	}
	r->nattrs = b->n;
	return 0;
}

static struct otlp_resource *resource__new(struct otlp_resources *t,
					   const struct proc_info *pi)
{
	const struct otlp_config *cfg = t->cfg;
	struct otlp_kv own[OTLP_MAX_RESOURCE_ATTRS];
	size_t nown = 0;
	struct otlp_resource *r;
	struct builder *b;
	const char *service;
	int bad;

	r = calloc(1, sizeof(*r));
	b = calloc(1, sizeof(*b));
	if (!r || !b)
		goto fail;
	r->pid = pi->pid;
	r->start_ticks = pi->start_ticks;

	/*
	 * Precedence, lowest first: the process's own OTEL_RESOURCE_ATTRIBUTES
	 * (discarded whole when malformed, as the specification says), what
	 * spantap sees in /proc, then spantap's own configuration.
	 */
	/* service.name first, the way people read a resource; its value
	 * is decided at the end */
	builder__set(b, "service.name", "", 0, 0);
	bad = otlp_kvlist__parse(pi->otel_resource_attrs, own,
				 OTLP_MAX_RESOURCE_ATTRS, &nown, false);
	if (bad == 0)
		for (size_t i = 0; i < nown; i++)
			builder__set_str(b, own[i].key, own[i].value);
	builder__set(b, "process.pid", NULL, 0, pi->pid);
	builder__set_str(b, "process.executable.name", pi->exe_name);
	builder__set_str(b, "process.executable.path", pi->exe_path);
	builder__set_str(b, "process.command_line", pi->command_line);
	builder__set_str(b, "host.name", t->host_name);
	builder__set_str(b, "os.type", "linux");
	for (size_t i = 0; i < cfg->nresource_attrs; i++)
		builder__set_str(b, cfg->resource_attrs[i].key,
				 cfg->resource_attrs[i].value);

	service = cfg->service_name;
	if (!service)
		service = kv_find(cfg->resource_attrs, cfg->nresource_attrs,
				  "service.name");
	if (!service && pi->own_service_name)
		service = pi->service_name;
	if (!service && bad == 0)
		service = kv_find(own, nown, "service.name");
	if (!service || !*service)
		service = pi->exe_name[0] ? pi->exe_name : "unknown_service";
	builder__set_str(b, "service.name", service);

	if (resource__own(r, b))
		goto fail;
	for (size_t i = 0; i < nown; i++) {
		free(own[i].key);
		free(own[i].value);
	}
	free(b);
	return r;
fail:
	for (size_t i = 0; i < nown; i++) {
		free(own[i].key);
		free(own[i].value);
	}
	free(b);
	free(r);
	return NULL;
}

static void resource__free(struct otlp_resource *r)
{
	if (!r)
		return;
	free(r->strings);
	free(r);
}

struct otlp_resources *otlp_resources__new(const struct otlp_config *cfg,
					   size_t max)
{
	struct otlp_resources *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->cfg = cfg;
	t->max = max ? max : 1;
	if (gethostname(t->host_name, sizeof(t->host_name) - 1))
		t->host_name[0] = '\0';
	return t;
}

/* Make room: drop the least recently used resource no span holds. */
static void resources__evict(struct otlp_resources *t)
{
	size_t victim = t->n;

	for (size_t i = 0; i < t->n; i++)
		if (!t->all[i]->refs &&
		    (victim == t->n ||
		     t->all[i]->last_use < t->all[victim]->last_use))
			victim = i;
	if (victim == t->n)
		return; /* all in use: the table grows past max for now */
	if (t->last == t->all[victim])
		t->last = NULL;
	resource__free(t->all[victim]);
	t->all[victim] = t->all[--t->n];
}

struct otlp_resource *otlp_resources__get(struct otlp_resources *t,
					  const struct proc_info *pi)
{
	struct otlp_resource *r = t->last;

	if (!r || r->pid != pi->pid || r->start_ticks != pi->start_ticks) {
		r = NULL;
		for (size_t i = 0; i < t->n; i++)
			if (t->all[i]->pid == pi->pid &&
			    t->all[i]->start_ticks == pi->start_ticks) {
				r = t->all[i];
				break;
			}
	}
	if (!r) {
		if (t->n >= t->max)
			resources__evict(t);
		if (t->n == t->cap) {
			size_t cap = t->cap ? t->cap * 2 : 16;
			void *p = realloc(t->all, cap * sizeof(*t->all));

			if (!p)
				return NULL;
			t->all = p;
			t->cap = cap;
		}
		r = resource__new(t, pi);
		if (!r)
			return NULL;
		t->all[t->n++] = r;
	}
	r->refs++;
	r->last_use = ++t->clock;
	t->last = r;
	return r;
}

void otlp_resources__put(struct otlp_resources *t, struct otlp_resource *r)
{
	if (r && r->refs)
		r->refs--;
}

void otlp_resources__free(struct otlp_resources *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		resource__free(t->all[i]);
	free(t->all);
	free(t);
}

const struct otlp_attr *otlp_resource__attr(const struct otlp_resource *r,
					    const char *key)
{
	for (size_t i = 0; i < r->nattrs; i++)
		if (!strcmp(r->attrs[i].key, key))
			return &r->attrs[i];
	return NULL;
}

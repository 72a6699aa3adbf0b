// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Resources: what goes in, which source wins, and the table's lifetimes. */
#include <stdlib.h>

#include "export/otlp_resource.h"
#include "test.h"

static void make_proc(struct proc_info *pi, uint32_t pid)
{
	memset(pi, 0, sizeof(*pi));
	pi->pid = pid;
	pi->start_ticks = 1000 + pid;
	strcpy(pi->exe_name, "nginx");
	strcpy(pi->exe_path, "/usr/sbin/nginx");
	strcpy(pi->command_line, "nginx -g daemon off;");
	strcpy(pi->service_name, "nginx");
}

static const char *str_attr(const struct otlp_resource *r, const char *key)
{
	const struct otlp_attr *a = otlp_resource__attr(r, key);

	return a && a->str ? a->str : NULL;
}

TEST(otlp_resource_from_proc)
{
	struct otlp_config cfg;
	struct otlp_resources *t;
	struct otlp_resource *r;
	struct proc_info pi;

	otlp_config__init(&cfg);
	make_proc(&pi, 42);
	t = otlp_resources__new(&cfg, 4);
	ASSERT_TRUE(t);
	r = otlp_resources__get(t, &pi);
	ASSERT_TRUE(r);
	ASSERT_STREQ(r->attrs[0].key, "service.name");
	ASSERT_STREQ(str_attr(r, "service.name"), "nginx");
	ASSERT_EQ(otlp_resource__attr(r, "process.pid")->i, 42);
	ASSERT_TRUE(!otlp_resource__attr(r, "process.pid")->str);
	ASSERT_STREQ(str_attr(r, "process.executable.name"), "nginx");
	ASSERT_STREQ(str_attr(r, "process.executable.path"), "/usr/sbin/nginx");
	ASSERT_STREQ(str_attr(r, "process.command_line"),
		     "nginx -g daemon off;");
	ASSERT_STREQ(str_attr(r, "os.type"), "linux");
	ASSERT_TRUE(str_attr(r, "host.name"));
	/* the same process again: the same resource */
	ASSERT_TRUE(otlp_resources__get(t, &pi) == r);
	ASSERT_EQ(r->refs, 2);
	otlp_resources__put(t, r);
	otlp_resources__put(t, r);
	otlp_resources__free(t);
	otlp_config__free(&cfg);
}

TEST(otlp_resource_service_name_precedence)
{
	struct otlp_config cfg;
	struct otlp_resources *t;
	struct otlp_resource *r;
	struct proc_info pi;
	char err[128];

	otlp_config__init(&cfg);
	make_proc(&pi, 7);
	/* the target's own variables */
	strcpy(pi.otel_resource_attrs,
	       "service.name=from-attrs,deployment.environment=prod");
	t = otlp_resources__new(&cfg, 4);
	r = otlp_resources__get(t, &pi);
	ASSERT_STREQ(str_attr(r, "service.name"), "from-attrs");
	ASSERT_STREQ(str_attr(r, "deployment.environment"), "prod");
	otlp_resources__put(t, r);
	otlp_resources__free(t);

	/* its OTEL_SERVICE_NAME beats its OTEL_RESOURCE_ATTRIBUTES */
	pi.own_service_name = 1;
	strcpy(pi.service_name, "shop");
	t = otlp_resources__new(&cfg, 4);
	r = otlp_resources__get(t, &pi);
	ASSERT_STREQ(str_attr(r, "service.name"), "shop");
	otlp_resources__put(t, r);
	otlp_resources__free(t);

	/* spantap's user beats the target, and can set anything */
	ASSERT_EQ(otlp_config__set(&cfg, OTLP_OPT_RESOURCE_ATTR,
				   "deployment.environment=staging", err,
				   sizeof(err)),
		  0);
	ASSERT_EQ(otlp_config__set(&cfg, OTLP_OPT_SERVICE_NAME, "edge", err,
				   sizeof(err)),
		  0);
	t = otlp_resources__new(&cfg, 4);
	r = otlp_resources__get(t, &pi);
	ASSERT_STREQ(str_attr(r, "service.name"), "edge");
	ASSERT_STREQ(str_attr(r, "deployment.environment"), "staging");
	otlp_resources__put(t, r);
	otlp_resources__free(t);
	otlp_config__free(&cfg);
}

TEST(otlp_resource_bad_target_attrs_discarded_whole)
{
	struct otlp_config cfg;
	struct otlp_resources *t;
	struct otlp_resource *r;
	struct proc_info pi;

	otlp_config__init(&cfg);
	make_proc(&pi, 9);
	strcpy(pi.otel_resource_attrs, "team=web,bad=%ZZ");
	t = otlp_resources__new(&cfg, 4);
	r = otlp_resources__get(t, &pi);
	ASSERT_TRUE(!otlp_resource__attr(r, "team"));
	ASSERT_TRUE(!otlp_resource__attr(r, "bad"));
	ASSERT_STREQ(str_attr(r, "service.name"), "nginx");
	otlp_resources__put(t, r);
	otlp_resources__free(t);
	otlp_config__free(&cfg);
}

TEST(otlp_resource_invalid_utf8_repaired)
{
	struct otlp_config cfg;
	struct otlp_resources *t;
	struct otlp_resource *r;
	struct proc_info pi;

	otlp_config__init(&cfg);
	make_proc(&pi, 11);
	strcpy(pi.command_line, "x\xff y");
	t = otlp_resources__new(&cfg, 4);
	r = otlp_resources__get(t, &pi);
	ASSERT_STREQ(str_attr(r, "process.command_line"), "x\xef\xbf\xbd y");
	otlp_resources__put(t, r);
	otlp_resources__free(t);
	otlp_config__free(&cfg);
}

TEST(otlp_resource_reused_pid_and_eviction)
{
	struct otlp_config cfg;
	struct otlp_resources *t;
	struct otlp_resource *a, *b, *held;
	struct proc_info pi;

	otlp_config__init(&cfg);
	t = otlp_resources__new(&cfg, 2);
	make_proc(&pi, 5);
	a = otlp_resources__get(t, &pi);
	pi.start_ticks++; /* pid reused by a new process */
	b = otlp_resources__get(t, &pi);
	ASSERT_TRUE(a != b);
	held = b;
	otlp_resources__put(t, a);
	/* more processes than the table holds: idle ones go, held ones stay */
	for (uint32_t pid = 100; pid < 110; pid++) {
		struct otlp_resource *r;

		make_proc(&pi, pid);
		r = otlp_resources__get(t, &pi);
		ASSERT_TRUE(r);
		otlp_resources__put(t, r);
	}
	ASSERT_EQ(held->pid, 5); /* still valid: ASan would say otherwise */
	otlp_resources__put(t, held);
	otlp_resources__free(t);
	otlp_config__free(&cfg);
}

// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "capture_export.h"
#include "util/log.h"

const char capture_export__usage[] =
	"OTLP export (on when an endpoint is given, by flag or by\n"
	"OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_TRACES_ENDPOINT):\n"
	"      --otlp-endpoint URL         collector base URL; spans go to\n"
	"                                  URL/v1/traces (e.g. "
	"http://host:4318)\n"
	"      --otlp-traces-endpoint URL  full URL for spans, used as is\n"
	"      --otlp-protocol P           http/protobuf (default) or "
	"http/json\n"
	"      --otlp-compression C        gzip or none (default)\n"
	"      --otlp-header K=V           request header, repeatable; V is\n"
	"                                  percent-decoded\n"
	"      --otlp-timeout-ms N         per request (default 10000; 0: "
	"none)\n"
	"      --otlp-queue-size N         spans waiting for export (default "
	"8192);\n"
	"                                  past it spans are dropped and "
	"counted\n"
	"      --otlp-batch-size N         spans per request (default 512)\n"
	"      --service-name NAME         service.name of every exported "
	"process\n"
	"                                  (default: its own "
	"OTEL_SERVICE_NAME,\n"
	"                                  else its executable name)\n"
	"      --resource-attr K=V         resource attribute, repeatable\n"
	"  The standard OTEL_EXPORTER_OTLP_* variables, OTEL_SERVICE_NAME,\n"
	"  OTEL_RESOURCE_ATTRIBUTES and OTEL_BSP_* are read too; flags win.\n"
	"  On exit, queued spans get up to 5 s to be sent.\n";

void capture_export__init(struct capture_export *x)
{
	memset(x, 0, sizeof(*x));
	otlp_config__init(&x->cfg);
}

bool capture_export__owns(int opt_id)
{
	return opt_id >= CAPTURE_EXPORT_OPT + OTLP_OPT_ENDPOINT &&
	       opt_id <= CAPTURE_EXPORT_OPT + OTLP_OPT_BATCH_SIZE;
}

int capture_export__flag(struct capture_export *x, int opt_id,
			 const char *value)
{
	if (x->nflags == CAPTURE_EXPORT_MAX_FLAGS) {
		fprintf(stderr, "spantap: at most %d OTLP flags\n",
			CAPTURE_EXPORT_MAX_FLAGS);
		return -E2BIG;
	}
	x->flags[x->nflags].opt = opt_id - CAPTURE_EXPORT_OPT;
	x->flags[x->nflags].value = value;
	x->nflags++;
	return 0;
}

static const char *env_get(const char *name, void *arg)
{
	return getenv(name);
}

static void env_warn(const char *name, const char *msg, void *arg)
{
	pr_warn("%s: %s\n", name, msg);
}

static void exporter_log(enum exporter_log_level level, const char *msg,
			 void *arg)
{
	if (level == EXPORTER_LOG_WARN)
		pr_warn("%s\n", msg);
	else
		pr_info("%s\n", msg);
}

int capture_export__start(struct capture_export *x)
{
	char err[512] = "";
	int ret;

	ret = otlp_config__load_env(&x->cfg, env_get, NULL, env_warn, NULL);
	if (ret) {
		fprintf(stderr, "spantap: reading OTEL_* variables: %s\n",
			strerror(-ret));
		return ret;
	}
	for (size_t i = 0; i < x->nflags; i++) {
		ret = otlp_config__set(&x->cfg, x->flags[i].opt,
				       x->flags[i].value, err, sizeof(err));
		if (ret) {
			fprintf(stderr, "spantap: %s\n", err);
			return ret;
		}
	}
	if (!x->cfg.traces_url)
		return 0;
	if (x->cfg.protocol == OTLP_PROTOCOL_GRPC) {
		fprintf(stderr, "spantap: OTLP over gRPC is not supported yet; "
				"use http/protobuf "
				"or http/json (a collector's OTLP/HTTP port is "
				"usually 4318)\n");
		return -ENOTSUP;
	}
	x->exp = exporter__new(&x->cfg, exporter_log, NULL, err, sizeof(err));
	if (!x->exp) {
		fprintf(stderr, "spantap: cannot start the OTLP exporter: %s\n",
			err);
		return -ENOMEM;
	}
	fprintf(stderr, "spantap: exporting spans to %s (%s%s)\n",
		x->cfg.traces_url,
		x->cfg.protocol == OTLP_PROTOCOL_HTTP_JSON ? "http/json"
							   : "http/protobuf",
		x->cfg.compression == OTLP_COMPRESSION_GZIP ? ", gzip" : "");
	return 0;
}

void capture_export__report(struct capture_export *x, FILE *f)
{
	struct exporter_stats st;

	if (!x->exp)
		return;
	exporter__stats(x->exp, &st);
	fprintf(f,
		"spantap: otlp: queued=%llu, sent=%llu, requests=%llu, "
		"bytes=%llu, "
		"retries=%llu, rejected=%llu, timeouts=%llu, net_errors=%llu, "
		"bad_responses=%llu, own_spans=%llu, dropped=%llu "
		"(queue_full=%llu, retries_exhausted=%llu, shutdown=%llu, "
		"status=%llu, other=%llu",
		(unsigned long long)st.queued, (unsigned long long)st.sent,
		(unsigned long long)st.requests, (unsigned long long)st.bytes,
		(unsigned long long)st.retries, (unsigned long long)st.rejected,
		(unsigned long long)st.timeouts,
		(unsigned long long)st.net_errors,
		(unsigned long long)st.bad_responses,
		(unsigned long long)st.own_spans,
		(unsigned long long)exporter_stats__dropped(&st),
		(unsigned long long)st.dropped_queue_full,
		(unsigned long long)st.dropped_retries,
		(unsigned long long)st.dropped_shutdown,
		(unsigned long long)st.dropped_status,
		(unsigned long long)st.dropped_other);
	for (int i = 0; i < EXPORTER_MAX_CODES; i++) {
		if (!st.by_status[i].spans)
			continue;
		if (st.by_status[i].status < 0)
			fprintf(f, ", status_other=%llu",
				(unsigned long long)st.by_status[i].spans);
		else
			fprintf(f, ", http_%ld=%llu", st.by_status[i].status,
				(unsigned long long)st.by_status[i].spans);
	}
	fputs(")\n", f);
}

void capture_export__stop(struct capture_export *x, long timeout_ms)
{
	if (x->exp)
		exporter__shutdown(x->exp, timeout_ms);
}

void capture_export__free(struct capture_export *x)
{
	exporter__free(x->exp);
	x->exp = NULL;
	otlp_config__free(&x->cfg);
}

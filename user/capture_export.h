/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The OTLP side of spantap capture: its flags, the standard OTEL_*
 * variables, starting the exporter, and what it tells the user.
 */
#ifndef __SPANTAP_CAPTURE_EXPORT_H
#define __SPANTAP_CAPTURE_EXPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "export/exporter.h"
#include "export/otlp_config.h"

/* getopt ids of the export flags: CAPTURE_EXPORT_OPT + enum otlp_opt */
#define CAPTURE_EXPORT_OPT 1024
#define CAPTURE_EXPORT_MAX_FLAGS 64
/* How long a stopping capture waits for queued spans to be exported */
#define CAPTURE_EXPORT_FLUSH_MS 5000

#define CAPTURE_EXPORT_OPTIONS                                      \
	{"otlp-endpoint", required_argument, NULL,                  \
	 CAPTURE_EXPORT_OPT + OTLP_OPT_ENDPOINT},                   \
		{"otlp-traces-endpoint", required_argument, NULL,   \
		 CAPTURE_EXPORT_OPT + OTLP_OPT_TRACES_ENDPOINT},    \
		{"otlp-protocol", required_argument, NULL,          \
		 CAPTURE_EXPORT_OPT + OTLP_OPT_PROTOCOL},           \
		{"otlp-compression", required_argument, NULL,       \
		 CAPTURE_EXPORT_OPT + OTLP_OPT_COMPRESSION},        \
		{"otlp-header", required_argument, NULL,            \
		 CAPTURE_EXPORT_OPT + OTLP_OPT_HEADER},             \
		{"otlp-timeout-ms", required_argument, NULL,        \
		 CAPTURE_EXPORT_OPT + OTLP_OPT_TIMEOUT_MS},         \
		{"otlp-queue-size", required_argument, NULL,        \
		 CAPTURE_EXPORT_OPT + OTLP_OPT_QUEUE_SIZE},         \
		{"otlp-batch-size", required_argument, NULL,        \
		 CAPTURE_EXPORT_OPT + OTLP_OPT_BATCH_SIZE},         \
		{"service-name", required_argument, NULL,           \
		 CAPTURE_EXPORT_OPT + OTLP_OPT_SERVICE_NAME},       \
	{                                                           \
		"resource-attr", required_argument, NULL,           \
			CAPTURE_EXPORT_OPT + OTLP_OPT_RESOURCE_ATTR \
	}

extern const char capture_export__usage[];

struct capture_export {
	struct otlp_config cfg;
	struct {
		enum otlp_opt opt;
		const char *value;
	} flags[CAPTURE_EXPORT_MAX_FLAGS];
	size_t nflags;
	struct exporter *exp; /* NULL when not exporting */
};

void capture_export__init(struct capture_export *x);
/* A getopt id this file owns? Then record its value; 0 or -E2BIG. */
bool capture_export__owns(int opt_id);
int capture_export__flag(struct capture_export *x, int opt_id,
			 const char *value);
/*
 * Read the OTEL_* variables, apply the flags over them, and start the
 * exporter when an endpoint is set. Says what is wrong on stderr; 0 or
 * -errno.
 */
int capture_export__start(struct capture_export *x);
/* The counters, one line, for the end of a capture. */
void capture_export__report(struct capture_export *x, FILE *f);
/* Flush for at most timeout_ms and stop exporting. */
void capture_export__stop(struct capture_export *x, long timeout_ms);
void capture_export__free(struct capture_export *x);

#endif /* __SPANTAP_CAPTURE_EXPORT_H */

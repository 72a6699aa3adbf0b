/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Where and how the OTLP/HTTP exporter sends spans: the standard OTEL_*
 * environment variables (read through an injected getenv), then spantap's
 * --otlp-* flags on top, following the OpenTelemetry specification's rules
 * for endpoints, header lists and precedence. No I/O and no logging: what is
 * wrong with a variable goes to a warning callback, what is wrong with a flag
 * to an error message, and neither ever shows a header or resource attribute
 * value, which may be a credential.
 */
#ifndef __SPANTAP_OTLP_CONFIG_H
#define __SPANTAP_OTLP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "export/otlp_kvlist.h"

enum otlp_protocol {
	OTLP_PROTOCOL_HTTP_PROTOBUF = 0,
	OTLP_PROTOCOL_HTTP_JSON = 1,
	/* parsed, so that the caller can say it is not supported */
	OTLP_PROTOCOL_GRPC = 2,
};

enum otlp_compression {
	OTLP_COMPRESSION_NONE = 0,
	OTLP_COMPRESSION_GZIP = 1,
};

#define OTLP_MAX_HEADERS 32
#define OTLP_MAX_RESOURCE_ATTRS 64
#define OTLP_DEFAULT_TIMEOUT_MS 10000
#define OTLP_DEFAULT_QUEUE_SIZE 8192
#define OTLP_DEFAULT_BATCH_SIZE 512
#define OTLP_DEFAULT_SCHEDULE_DELAY_MS 1000
/* Largest queue accepted, from a variable or a flag. */
#define OTLP_MAX_QUEUE_SIZE 1048576
/* Largest timeout or delay, in ms: what an int holds (poll, timers). */
#define OTLP_MAX_MS 2147483647

struct otlp_config {
	char *traces_url; /* final URL spans are POSTed to; NULL = export off */
	enum otlp_protocol protocol;	   /* default http/protobuf */
	enum otlp_compression compression; /* default none */
	long timeout_ms; /* per request; 0 = no limit; default 10000 */
	struct otlp_kv headers[OTLP_MAX_HEADERS];
	size_t nheaders;
	char *service_name; /* OTEL_SERVICE_NAME or flag; NULL when unset */
	struct otlp_kv resource_attrs[OTLP_MAX_RESOURCE_ATTRS];
	size_t nresource_attrs;
	size_t queue_size; /* spans; OTEL_BSP_MAX_QUEUE_SIZE */
	size_t batch_size; /* spans per request, never more than queue_size */
	long schedule_delay_ms; /* OTEL_BSP_SCHEDULE_DELAY */
};

/* getenv-like lookup, injected so tests do not touch the real environment */
typedef const char *(*otlp_getenv_fn)(const char *name, void *arg);
/*
 * A warning about variable or flag name; msg (one line, printable ASCII)
 * says what is wrong and what was done. It never contains a header value or
 * a resource attribute value.
 */
typedef void (*otlp_warn_fn)(const char *name, const char *msg, void *arg);

/* Defaults, export off. */
void otlp_config__init(struct otlp_config *c);

/*
 * Read the standard variables into c, fresh from otlp_config__init. An empty
 * variable is unset. A malformed one is warned about, naming it, and treated
 * as unset (a per-signal one then gives way to the generic one, if any). A
 * NULL getenv_fn reads the process environment; a NULL warn drops warnings.
 * Returns 0, or -ENOMEM (c then holds part of the settings: free it).
 */
int otlp_config__load_env(struct otlp_config *c, otlp_getenv_fn getenv_fn,
			  void *getenv_arg, otlp_warn_fn warn, void *warn_arg);

/*
 * Flags override variables (call after load_env). Flags are strict: a bad
 * value returns -EINVAL (-E2BIG for one header or attribute too many,
 * -ENOMEM) and writes a one-line message naming the flag and what to do into
 * err (errlen bytes; may be NULL).
 *
 *   --otlp-endpoint URL         a base URL, v1/traces appended
 *   --otlp-traces-endpoint URL  used as is; of the two, the last one wins
 *   --otlp-protocol P           http/protobuf, http/json or grpc
 *   --otlp-compression C        gzip or none
 *   --otlp-header K=V           repeatable, appended
 *   --otlp-timeout-ms N         0 = no limit
 *   --service-name NAME
 *   --resource-attr K=V         repeatable, over OTEL_RESOURCE_ATTRIBUTES
 *   --otlp-queue-size N         1 to 1048576
 *   --otlp-batch-size N         1 to 1048576, cut to the queue size
 *
 * --otlp-header and --resource-attr take one pair: ',' and ';' in the value
 * are literal, %XX escapes are decoded, and a key given again replaces the
 * earlier value (header keys compared ignoring case).
 */
enum otlp_opt {
	OTLP_OPT_ENDPOINT,
	OTLP_OPT_TRACES_ENDPOINT,
	OTLP_OPT_PROTOCOL,
	OTLP_OPT_COMPRESSION,
	OTLP_OPT_HEADER,
	OTLP_OPT_TIMEOUT_MS,
	OTLP_OPT_SERVICE_NAME,
	OTLP_OPT_RESOURCE_ATTR,
	OTLP_OPT_QUEUE_SIZE,
	OTLP_OPT_BATCH_SIZE,
};

int otlp_config__set(struct otlp_config *c, enum otlp_opt opt,
		     const char *value, char *err, size_t errlen);

/* "--otlp-endpoint" and so on; "?" for an unknown opt. */
const char *otlp_opt__flag(enum otlp_opt opt);
/* "http/protobuf", "http/json", "grpc"; "none", "gzip". */
const char *otlp_protocol__name(enum otlp_protocol p);
const char *otlp_compression__name(enum otlp_compression comp);

/* NULL-safe; frees all strings and initialises c again. */
void otlp_config__free(struct otlp_config *c);

#endif /* __SPANTAP_OTLP_CONFIG_H */

/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The URL spans are POSTed to, from an OTLP endpoint variable or flag: the
 * URL rules on their own, apart from where the URL came from, so that the
 * fuzzer and the tests can reach them without a whole configuration.
 */
#ifndef __SPANTAP_OTLP_URL_H
#define __SPANTAP_OTLP_URL_H

#include <stdbool.h>

/* What a base URL gets appended, and what a per-signal URL usually ends in */
#define OTLP_TRACES_PATH "/v1/traces"

/*
 * Both URL functions validate: scheme http:// or https:// (any case; the
 * result has it in lower case), a non-empty host (letters, digits, "-._~",
 * or an IPv6 literal in [], zone as %25), optional :port 1..65535, no
 * user:password@, only printable ASCII that RFC 3986 allows in a path or
 * query (%XX well formed), no #fragment. -EINVAL otherwise, -ENOMEM; the
 * malloc'd URL goes to *ret_url on success only.
 */
/*
 * base URL -> base + "v1/traces" with exactly one '/' between, however many
 * the base ends with (http://h:4318 -> http://h:4318/v1/traces,
 * http://h:4318/base/ and http://h:4318/base -> http://h:4318/base/v1/traces).
 * A base URL with a '?' query is -EINVAL.
 */
int otlp_url__traces_from_base(const char *base, char **ret_url);
/*
 * per-signal URL: used as is (query included), except a URL with no path
 * gets "/" (http://c:4318 -> http://c:4318/).
 */
int otlp_url__traces_as_is(const char *url, char **ret_url);

/*
 * Either of the two above (base: traces_from_base), for the configuration's
 * messages: on -EINVAL, *why completes a sentence whose subject is the URL.
 */
int otlp_url__build(const char *url, bool base, char **ret_url,
		    const char **why);

#endif /* __SPANTAP_OTLP_URL_H */

/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The key=value lists of the header and resource attribute variables and
 * flags, and of a traced process's OTEL_RESOURCE_ATTRIBUTES: one parser, so
 * that a list means the same wherever it is read, and so that tests and the
 * fuzzer reach it without a whole configuration. A value may be a
 * credential: what is wrong with a member is said without it.
 */
#ifndef __SPANTAP_OTLP_KVLIST_H
#define __SPANTAP_OTLP_KVLIST_H

#include <stdbool.h>
#include <stddef.h>

struct otlp_kv {
	char *key; /* heap strings, owned by the config */
	char *value;
};

/*
 * "k1=v1,k2=v2" (W3C-baggage-like list): OWS around members, keys and values
 * trimmed, key a non-empty HTTP token (RFC 9110 tchar), value percent-decoded
 * (%XX; a bad escape or %00 makes the member invalid), empty members skipped,
 * ";properties" after a value make the member invalid. Header values
 * (header_values) must also hold no control character but HTAB once decoded
 * (header injection), and their keys are compared ignoring case.
 *
 * Appends to kv[*n..max): a key already there has its value replaced, so a
 * later duplicate wins. Returns the number of invalid members (0 = all fine,
 * the valid ones are kept), or -ENOMEM, or -E2BIG when more than max keys
 * (new members past max are dropped, the rest of the list still parsed;
 * invalid ones are then not counted), or -EINVAL for a NULL kv or n or *n >
 * max (a NULL s is an empty list). Whatever the return, kv[0..*n) are valid,
 * owned by the caller, to free.
 */
int otlp_kvlist__parse(const char *s, struct otlp_kv *kv, size_t max, size_t *n,
		       bool header_values);

/*
 * The parts otlp_config.c builds on: one pair for --otlp-header and
 * --resource-attr, a list with what was wrong with it for the variables'
 * warnings, and the kv[] table itself.
 */

/* One key=value of a list (in_list) or of a flag; set header and in_list */
struct otlp_kv_member {
	bool header;	      /* the value becomes an HTTP header value */
	bool in_list;	      /* ';' starts W3C baggage properties */
	char *key, *value;    /* malloc'd, on success */
	const char *good_key; /* into the input, once the key is a token */
	size_t good_keylen;
	const char *why; /* on -EINVAL: completes "member N ..." */
};

int otlp_kv_member__parse(struct otlp_kv_member *mb, const char *m, size_t len);

/* What otlp_kvlist__parse_report found wrong with a list */
struct otlp_kvlist_report {
	size_t ninvalid;
	size_t first_bad; /* 1-based position in the list, commas counted */
	const char *first_why;
	bool overflow; /* a member was dropped for want of room */
};

/*
 * otlp_kvlist__parse without its argument checks, the invalid members and
 * an overflow told in *rep rather than by the return: 0 or -ENOMEM.
 */
int otlp_kvlist__parse_report(const char *s, struct otlp_kv *kv, size_t max,
			      size_t *n, bool header,
			      struct otlp_kvlist_report *rep);

/*
 * Add key=value to kv[0..*n), or replace the value of key (compared
 * ignoring case when nocase): 0, or -E2BIG when there is no room. key and
 * value are taken whatever the result.
 */
int otlp_kv__put(struct otlp_kv *kv, size_t max, size_t *n, char *key,
		 char *value, bool nocase);

/* Free the strings of kv[0..n) and set them to NULL */
void otlp_kv__free(struct otlp_kv *kv, size_t n);

#endif /* __SPANTAP_OTLP_KVLIST_H */

/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * What the protobuf and the JSON response tests share: each parse is made
 * on a response that a previous answer left dirty, and the expected
 * messages spell U+FFFD as R.
 */
#ifndef __SPANTAP_TEST_OTLP_RESPONSE_DIRTY_H
#define __SPANTAP_TEST_OTLP_RESPONSE_DIRTY_H

#include <string.h>

#include "export/otlp_response.h"
#include "util/utf8.h"

#define R UTF8_REPLACEMENT

/* Whatever a previous answer left in r must not survive a parse */
static inline void dirty(struct otlp_response *r)
{
	r->partial = true;
	r->rejected_spans = 99;
	strcpy(r->message, "stale");
}

#endif /* __SPANTAP_TEST_OTLP_RESPONSE_DIRTY_H */

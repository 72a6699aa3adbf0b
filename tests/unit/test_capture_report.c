// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The counters capture prints at its end, in the form the integration
 * tests and the bench read back: "spantap: PART: name=value, ...".
 */
#include <stdlib.h>
#include <string.h>

#include "capture_report.h"
#include "test.h"

TEST(capture_report_lines_name_every_counter)
{
	uint64_t k[ST_STAT__MAX] = {};
	struct pipeline_stats ps = {};
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	ASSERT_TRUE(f);
	k[ST_STAT_RB_FULL] = 3;
	k[ST_STAT_READ_FAIL] = 4;
	k[ST_STAT_OTHER_PROTO_SKIPPED] = 360;
	ps.conns_other = 40;
	ps.http1.parse.bad_chunk = 2;
	ps.links.hold_full = 9;
	capture_report__kernel(f, k);
	capture_report__pipeline(f, &ps);
	fclose(f);
	ASSERT_EQ(capture_report__kernel_losses(k), 7);
	ASSERT_TRUE(
		strstr(text, "spantap: kernel: events=0, ringbuf_full=3,") ==
		text);
	ASSERT_TRUE(strstr(text, ", other_proto_skipped=360\n"));
	ASSERT_TRUE(strstr(text, "\nspantap: agent: events=0,"));
	ASSERT_TRUE(strstr(text, " conns_not_http=40,"));
	ASSERT_TRUE(strstr(text, "\nspantap: http1: spans=0,"));
	ASSERT_TRUE(strstr(text, " bad_chunk=2,"));
	ASSERT_TRUE(strstr(text, "\nspantap: links: traceparent=0,"));
	ASSERT_TRUE(strstr(text, " hold_full=9, bounded=0\n"));
	/* four lines, each ended */
	ASSERT_EQ(text[size - 1], '\n');
	ASSERT_EQ((size_t)(strchr(text, '\0') - text), size);
	free(text);
}

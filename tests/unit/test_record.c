// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Recordings: what record__write produces, record_reader reads back. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "test.h"

static size_t make_recording(char **buf)
{
	size_t len = 0;
	FILE *f = open_memstream(buf, &len);

	if (!f)
		return 0;
	record__write_header(f, -1234567890123LL);
	record__write(f, "first", 5);
	record__write(f, "", 0);
	record__write(f, "third record", 12);
	fclose(f);
	return len;
}

TEST(record_roundtrip)
{
	static struct record_reader r;
	char *buf = NULL;
	size_t len = make_recording(&buf), dlen;
	const void *data;

	ASSERT_EQ(len, RECORD_HEADER_SIZE + 4 + 5 + 4 + 0 + 4 + 12);
	ASSERT_EQ(record_reader__init(&r, (uint8_t *)buf, len), 0);
	ASSERT_EQ(r.mono_to_wall, -1234567890123LL);
	ASSERT_EQ(record_reader__next(&r, &data, &dlen), 1);
	ASSERT_EQ(dlen, 5);
	ASSERT_MEMEQ(data, "first", 5);
	ASSERT_EQ(((uintptr_t)data) % 8, 0);
	ASSERT_EQ(record_reader__next(&r, &data, &dlen), 1);
	ASSERT_EQ(dlen, 0);
	ASSERT_EQ(record_reader__next(&r, &data, &dlen), 1);
	ASSERT_MEMEQ(data, "third record", 12);
	ASSERT_EQ(record_reader__next(&r, &data, &dlen), 0);
	ASSERT_EQ(record_reader__next(&r, &data, &dlen), 0);
	free(buf);
}

TEST(record_rejects_what_is_not_a_recording)
{
	static struct record_reader r;
	char *buf = NULL;
	size_t len = make_recording(&buf);

	ASSERT_EQ(record_reader__init(&r, (uint8_t *)"GET / HTTP/1.1\r\n", 16),
		  -EINVAL);
	ASSERT_EQ(record_reader__init(&r, (uint8_t *)buf, 10), -EINVAL);
	buf[8] = 2; /* a version from the future */
	ASSERT_EQ(record_reader__init(&r, (uint8_t *)buf, len), -ENOTSUP);
	buf[8] = 1;
	buf[12] = 0xff; /* header size past the end */
	ASSERT_EQ(record_reader__init(&r, (uint8_t *)buf, len), -EINVAL);
	free(buf);
}

TEST(record_cut_short_or_corrupt)
{
	static struct record_reader r;
	char *buf = NULL;
	size_t len = make_recording(&buf), dlen;
	const void *data;

	/* cut inside the third record: two records, then an error */
	ASSERT_EQ(record_reader__init(&r, (uint8_t *)buf, len - 3), 0);
	ASSERT_EQ(record_reader__next(&r, &data, &dlen), 1);
	ASSERT_EQ(record_reader__next(&r, &data, &dlen), 1);
	ASSERT_EQ(record_reader__next(&r, &data, &dlen), -EBADMSG);
	/* cut inside a length word */
	ASSERT_EQ(record_reader__init(&r, (uint8_t *)buf,
				      RECORD_HEADER_SIZE + 2),
		  0);
	ASSERT_EQ(record_reader__next(&r, &data, &dlen), -EBADMSG);
	/* a length no event can have */
	memset(buf + RECORD_HEADER_SIZE, 0xff, 4);
	ASSERT_EQ(record_reader__init(&r, (uint8_t *)buf, len), 0);
	ASSERT_EQ(record_reader__next(&r, &data, &dlen), -EBADMSG);
	free(buf);
}

TEST(record_write_refuses_oversized)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	static char big[RECORD_MAX_LEN + 1];

	ASSERT_TRUE(f);
	ASSERT_EQ(record__write(f, big, sizeof(big)), -E2BIG);
	fclose(f);
	ASSERT_EQ(len, 0);
	free(buf);
}

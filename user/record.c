// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "record.h"

int record__write_header(FILE *f, int64_t mono_to_wall)
{
	uint8_t h[RECORD_HEADER_SIZE] = {};
	uint32_t v = htole32(RECORD_VERSION), hs = htole32(RECORD_HEADER_SIZE);
	uint64_t m = htole64((uint64_t)mono_to_wall);

	memcpy(h, RECORD_MAGIC, sizeof(RECORD_MAGIC));
	memcpy(h + 8, &v, 4);
	memcpy(h + 12, &hs, 4);
	memcpy(h + 16, &m, 8);
	if (fwrite(h, sizeof(h), 1, f) != 1)
		return -EIO;
	return 0;
}

int record__write(FILE *f, const void *data, size_t len)
{
	uint32_t l = htole32((uint32_t)len);

	if (len > RECORD_MAX_LEN)
		return -E2BIG;
	if (fwrite(&l, 4, 1, f) != 1 || fwrite(data, len, 1, f) != 1)
		return -EIO;
	return 0;
}

int record_reader__init(struct record_reader *r, const uint8_t *buf,
			size_t len)
{
	uint32_t v, hs;
	uint64_t m;

	if (len < RECORD_HEADER_SIZE ||
	    memcmp(buf, RECORD_MAGIC, sizeof(RECORD_MAGIC)))
		return -EINVAL;
	memcpy(&v, buf + 8, 4);
	memcpy(&hs, buf + 12, 4);
	memcpy(&m, buf + 16, 8);
	if (le32toh(v) != RECORD_VERSION)
		return -ENOTSUP;
	hs = le32toh(hs);
	if (hs < RECORD_HEADER_SIZE || hs > len)
		return -EINVAL;
	r->buf = buf;
	r->len = len;
	r->off = hs;
	r->mono_to_wall = (int64_t)le64toh(m);
	return 0;
}

int record_reader__next(struct record_reader *r, const void **ret_data,
			size_t *ret_len)
{
	uint32_t l;

	if (r->off == r->len)
		return 0;
	if (r->len - r->off < 4)
		return -EBADMSG;
	memcpy(&l, r->buf + r->off, 4);
	l = le32toh(l);
	if (l > RECORD_MAX_LEN || l > r->len - r->off - 4)
		return -EBADMSG;
	memcpy(r->aligned, r->buf + r->off + 4, l);
	r->off += 4 + (size_t)l;
	*ret_data = r->aligned;
	*ret_len = l;
	return 1;
}

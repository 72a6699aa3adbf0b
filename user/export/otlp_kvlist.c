// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The key=value lists, by one set of rules wherever one is read: the header
 * and resource attribute variables and flags (otlp_config.c), and a traced
 * process's own OTEL_RESOURCE_ATTRIBUTES (otlp_resource.c). ASCII-only on
 * purpose, like the rest of the configuration: the locale must not change
 * what a list means.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "export/otlp_kvlist.h"
#include "util/ascii.h"

static int pct_decode(struct otlp_kv_member *mb, const char *v, size_t len)
{
	char *out = malloc(len + 1);
	size_t i, o = 0;

	if (!out)
		return -ENOMEM;
	for (i = 0; i < len; i++) {
		unsigned char ch = v[i];

		if (ch == '%') {
			int hi = i + 2 < len ? ascii__hex_value(v[i + 1]) : -1;
			int lo = i + 2 < len ? ascii__hex_value(v[i + 2]) : -1;

			if (hi < 0 || lo < 0) {
				mb->why = "has a bad %-escape in its value";
				goto fail;
			}
			ch = hi << 4 | lo;
			i += 2;
		}
		/* a C string cannot hold it, and nothing needs it */
		if (!ch) {
			mb->why = "has %00 in its value";
			goto fail;
		}
		/* a CR or LF would start a header of the user's choosing */
		if (mb->header && ((ch < 0x20 && ch != '\t') || ch == 0x7f)) {
			mb->why = "has a control character in its value";
			goto fail;
		}
		out[o++] = ch;
	}
	out[o] = '\0';
	mb->value = out;
	return 0;
fail:
	free(out);
	return -EINVAL;
}

/* One key=value of len bytes at m, OWS around it allowed. */
int otlp_kv_member__parse(struct otlp_kv_member *mb, const char *m, size_t len)
{
	const char *eq, *v;
	size_t klen, vlen, i;
	int err;

	while (len && ascii__is_ows(*m)) {
		m++;
		len--;
	}
	while (len && ascii__is_ows(m[len - 1]))
		len--;
	eq = memchr(m, '=', len);
	if (!eq) {
		mb->why = "is not key=value";
		return -EINVAL;
	}
	for (klen = eq - m; klen && ascii__is_ows(m[klen - 1]); klen--)
		;
	for (i = 0; i < klen && ascii__is_tchar(m[i]); i++)
		;
	if (!klen || i < klen) {
		mb->why = "has a key that is empty or not an HTTP token";
		return -EINVAL;
	}
	mb->good_key = m;
	mb->good_keylen = klen;

	v = eq + 1;
	vlen = m + len - v;
	while (vlen && ascii__is_ows(*v)) {
		v++;
		vlen--;
	}
	if (mb->in_list && memchr(v, ';', vlen)) {
		mb->why = "has ;properties, which are not supported";
		return -EINVAL;
	}
	err = pct_decode(mb, v, vlen);
	if (err)
		return err;
	mb->key = strndup(m, klen);
	if (!mb->key) {
		free(mb->value);
		mb->value = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* Add or replace key; takes key and value, whatever the result. */
int otlp_kv__put(struct otlp_kv *kv, size_t max, size_t *n, char *key,
		 char *value, bool nocase)
{
	for (size_t i = 0; i < *n; i++) {
		if (nocase ? ascii__casecmp(kv[i].key, key)
			   : strcmp(kv[i].key, key))
			continue;
		free(kv[i].value);
		kv[i].value = value;
		free(key);
		return 0;
	}
	if (*n >= max) {
		free(key);
		free(value);
		return -E2BIG;
	}
	kv[*n].key = key;
	kv[*n].value = value;
	(*n)++;
	return 0;
}

int otlp_kvlist__parse_report(const char *s, struct otlp_kv *kv, size_t max,
			      size_t *n, bool header,
			      struct otlp_kvlist_report *rep)
{
	size_t pos = 0;

	memset(rep, 0, sizeof(*rep));
	if (!s)
		return 0;
	for (;;) {
		const char *end = strchr(s, ',');
		size_t len = end ? (size_t)(end - s) : strlen(s), i;
		struct otlp_kv_member mb = {.header = header, .in_list = true};
		int err;

		pos++;
		for (i = 0; i < len && ascii__is_ows(s[i]); i++)
			;
		if (i < len) {
			err = otlp_kv_member__parse(&mb, s, len);
			if (err == -ENOMEM)
				return err;
			if (err) {
				if (!rep->ninvalid++) {
					rep->first_bad = pos;
					rep->first_why = mb.why;
				}
			} else if (otlp_kv__put(kv, max, n, mb.key, mb.value,
						header)) {
				rep->overflow = true;
			}
		}
		if (!end)
			break;
		s = end + 1;
	}
	return 0;
}

int otlp_kvlist__parse(const char *s, struct otlp_kv *kv, size_t max, size_t *n,
		       bool header_values)
{
	struct otlp_kvlist_report rep;
	int err;

	if (!kv || !n || *n > max)
		return -EINVAL;
	err = otlp_kvlist__parse_report(s, kv, max, n, header_values, &rep);
	if (err)
		return err;
	if (rep.overflow)
		return -E2BIG;
	return rep.ninvalid > INT_MAX ? INT_MAX : (int)rep.ninvalid;
}

void otlp_kv__free(struct otlp_kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
		kv[i].key = kv[i].value = NULL;
	}
}

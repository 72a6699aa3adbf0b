// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The rules for the endpoint URLs, apart from where a URL comes from (a
 * variable, a flag), so that tests and the fuzzer reach them on their own.
 * ASCII-only on purpose, like the rest of the configuration: the locale must
 * not change what a URL means.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "export/otlp_url.h"
#include "util/ascii.h"

static bool ascii_prefix_nocase(const char *s, const char *prefix)
{
	for (; *prefix; s++, prefix++)
		if (ascii__lower(*s) != *prefix)
			return false;
	return true;
}

static bool is_alnum(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9');
}

/* RFC 3986 unreserved */
static bool is_unreserved(unsigned char ch)
{
	return is_alnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~';
}

/* RFC 3986 pchar without pct-encoded, or '/' */
static bool is_path_char(unsigned char ch)
{
	return is_unreserved(ch) || (ch && strchr("!$&'()*+,;=:@/", ch));
}

struct url_info {
	size_t scheme_len; /* 4 or 5 */
	size_t path_off;   /* where the authority ends */
	bool has_path;	   /* url[path_off] == '/' */
};

/* An IPv6 literal's inside of len bytes at s, zone as %25 allowed. */
static bool ipv6_ok(const char *s, size_t len)
{
	const char *zone = memchr(s, '%', len);
	char addr[INET6_ADDRSTRLEN];
	struct in6_addr a;
	size_t alen = zone ? (size_t)(zone - s) : len;

	if (zone) {
		size_t zlen = len - alen;

		if (zlen <= 3 || memcmp(zone, "%25", 3))
			return false;
		for (size_t i = 3; i < zlen; i++)
			if (!is_unreserved(zone[i]))
				return false;
	}
	if (!alen || alen >= sizeof(addr))
		return false;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	return inet_pton(AF_INET6, addr, &a) == 1;
}

/*
 * Check url; base: a base URL, which may not have a query. On -EINVAL, *why
 * completes a sentence whose subject is the URL.
 */
static int url_check(const char *url, bool base, struct url_info *u,
		     const char **why)
{
	size_t len, auth, end, host_end, i;

	for (len = 0; url[len]; len++) {
		unsigned char ch = url[len];

		if (ch <= ' ' || ch >= 0x7f) {
			*why = "has whitespace, control or non-ASCII "
			       "characters";
			return -EINVAL;
		}
	}
	if (ascii_prefix_nocase(url, "http://")) {
		u->scheme_len = 4;
	} else if (ascii_prefix_nocase(url, "https://")) {
		u->scheme_len = 5;
	} else {
		*why = "is not an http:// or https:// URL";
		return -EINVAL;
	}

	auth = u->scheme_len + 3;
	end = auth + strcspn(url + auth, "/?#");
	if (memchr(url + auth, '@', end - auth)) {
		*why = "has user:password@, which is not supported (send an "
		       "Authorization header)";
		return -EINVAL;
	}
	if (url[auth] == '[') {
		const char *close = memchr(url + auth, ']', end - auth);

		host_end = close ? (size_t)(close - url) + 1 : 0;
		if (!close || !ipv6_ok(url + auth + 1, host_end - auth - 2) ||
		    (host_end < end && url[host_end] != ':')) {
			*why = "has a malformed IPv6 address";
			return -EINVAL;
		}
	} else {
		for (host_end = auth; host_end < end && url[host_end] != ':';
		     host_end++) {
			if (!is_unreserved(url[host_end])) {
				*why = "has a host name with characters other "
				       "than letters, digits and \"-._~\"";
				return -EINVAL;
			}
		}
		if (host_end == auth) {
			*why = "has no host";
			return -EINVAL;
		}
	}
	if (host_end < end) {
		long port = 0;

		/* url[host_end] is ':'; five digits at most keep port small */
		for (i = host_end + 1; i < end && i - host_end <= 5; i++) {
			if (!ascii__is_digit(url[i]))
				break;
			port = port * 10 + (url[i] - '0');
		}
		if (i != end || i == host_end + 1 || port < 1 || port > 65535) {
			*why = "has a port that is not a number from 1 to "
			       "65535";
			return -EINVAL;
		}
	}

	u->path_off = end;
	u->has_path = url[end] == '/';
	for (i = end; i < len; i++) {
		unsigned char ch = url[i];

		if (ch == '#') {
			*why = "has a #fragment, which would never be sent";
			return -EINVAL;
		}
		if (ch == '?' && base) {
			*why = "has a ?query, which a base URL cannot have (a "
			       "per-signal endpoint can)";
			return -EINVAL;
		}
		if (ch == '%') {
			if (ascii__hex_value(url[i + 1]) < 0 ||
			    ascii__hex_value(url[i + 2]) < 0) {
				*why = "has a bad %-escape";
				return -EINVAL;
			}
			i += 2;
			continue;
		}
		if (ch != '?' && !is_path_char(ch)) {
			*why = "has a character that a URL path or query "
			       "cannot hold (percent-encode it)";
			return -EINVAL;
		}
	}
	return 0;
}

int otlp_url__build(const char *url, bool base, char **ret_url,
		    const char **why)
{
	struct url_info u;
	size_t len, end, o;
	char *out;
	int err;

	err = url_check(url, base, &u, why);
	if (err)
		return err;
	len = strlen(url);
	if (base) {
		/* "exactly one '/'": however many slashes the base ends with */
		for (end = len; end > u.path_off && url[end - 1] == '/'; end--)
			;
		out = malloc(end + sizeof(OTLP_TRACES_PATH));
		if (!out)
			return -ENOMEM;
		memcpy(out, url, end);
		memcpy(out + end, OTLP_TRACES_PATH, sizeof(OTLP_TRACES_PATH));
	} else {
		out = malloc(len + 2);
		if (!out)
			return -ENOMEM;
		memcpy(out, url, u.path_off);
		o = u.path_off;
		/* an HTTP request target needs a path, even with a query */
		if (!u.has_path)
			out[o++] = '/';
		memcpy(out + o, url + u.path_off, len - u.path_off + 1);
	}
	for (o = 0; o < u.scheme_len; o++)
		out[o] = ascii__lower(out[o]);
	*ret_url = out;
	return 0;
}

int otlp_url__traces_from_base(const char *base, char **ret_url)
{
	const char *why;

	if (!base || !ret_url)
		return -EINVAL;
	return otlp_url__build(base, true, ret_url, &why);
}

int otlp_url__traces_as_is(const char *url, char **ret_url)
{
	const char *why;

	if (!url || !ret_url)
		return -EINVAL;
	return otlp_url__build(url, false, ret_url, &why);
}

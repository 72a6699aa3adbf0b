// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The output object, which hands each span to its format, and the terminal
 * formatting the pretty lines and the summary share.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "export/otlp_config.h"
#include "export/otlp_resource.h"
#include "output/format.h"
#include "output/output.h"
#include "util/utf8.h"

#define ELLIPSIS "\xe2\x80\xa6"
#define ELLIPSIS_LEN 3

size_t format__duration(char *buf, size_t size, uint64_t ns)
{
	static const struct {
		uint64_t scale;
		const char *unit;
	} units[] = {
		{1000ull, "µs"},
		{1000000ull, "ms"},
		{1000000000ull, "s"},
	};
	uint64_t secs;
	int n = -1;

	if (!size)
		return 0;
	if (ns < 1000) {
		n = snprintf(buf, size, "%" PRIu64 "ns", ns);
		goto out;
	}
	/* thresholds count rounding: 999.6µs prints as 1.00ms, not 1000µs */
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		double x = (double)ns / units[i].scale;

		if (x < 9.995)
			n = snprintf(buf, size, "%.2f%s", x, units[i].unit);
		else if (x < 99.95)
			n = snprintf(buf, size, "%.1f%s", x, units[i].unit);
		else if (x < 999.5)
			n = snprintf(buf, size, "%.0f%s", x, units[i].unit);
		if (n >= 0)
			goto out;
	}
	secs = ns / 1000000000ull + (ns % 1000000000ull >= 500000000ull);
	if (secs < 3600)
		n = snprintf(buf, size, "%" PRIu64 "m%02" PRIu64 "s", secs / 60,
			     secs % 60);
	else
		n = snprintf(buf, size, "%" PRIu64 "h%02" PRIu64 "m",
			     secs / 3600, secs / 60 % 60);
out:
	if (n < 0)
		n = 0;
	return (size_t)n < size ? (size_t)n : size - 1;
}

static bool is_unsafe(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

size_t format__term(char *dst, size_t dst_size, const char *s, size_t len,
		    size_t max_cols, size_t *ret_cols)
{
	size_t in = 0, out = 0, cols = 0, cap;
	bool cut = false;

	if (!dst_size) {
		if (ret_cols)
			*ret_cols = 0;
		return 0;
	}
	cap = dst_size - 1;
	while (in < len) {
		const char *piece;
		uint32_t cp = 0;
		size_t plen, step;
		int n = utf8__seq(s + in, len - in, &cp);

		if (n <= 0) {
			piece = UTF8_REPLACEMENT;
			plen = UTF8_REPLACEMENT_LEN;
			step = -n;
		} else if (is_unsafe(cp)) {
			piece = "?";
			plen = 1;
			step = n;
		} else {
			piece = s + in;
			plen = n;
			step = n;
		}
		if (cols == max_cols || plen > cap - out) {
			cut = true;
			break;
		}
		memcpy(dst + out, piece, plen);
		out += plen;
		cols++;
		in += step;
	}
	if (cut && max_cols) {
		/* drop whole characters until the ellipsis fits */
		while (out &&
		       (cols + 1 > max_cols || ELLIPSIS_LEN > cap - out)) {
			out = utf8__char_start(dst, out - 1);
			cols--;
		}
		if (cols + 1 <= max_cols && ELLIPSIS_LEN <= cap - out) {
			memcpy(dst + out, ELLIPSIS, ELLIPSIS_LEN);
			out += ELLIPSIS_LEN;
			cols++;
		}
	}
	dst[out] = '\0';
	if (ret_cols)
		*ret_cols = cols;
	return out;
}

void format__cell(FILE *f, const char *s, size_t len, size_t width,
		  bool align_left)
{
	char buf[FORMAT_CELL_MAX * 4 + 1];
	size_t n, cols;

	if (width > FORMAT_CELL_MAX)
		width = FORMAT_CELL_MAX;
	n = format__term(buf, sizeof(buf), s, len, width, &cols);
	if (!align_left)
		fprintf(f, "%*s", (int)(width - cols), "");
	fwrite(buf, 1, n, f);
	if (align_left)
		fprintf(f, "%*s", (int)(width - cols), "");
}

size_t format__cols(const char *s, size_t len, size_t max_cols)
{
	char buf[FORMAT_CELL_MAX * 4 + 1];
	size_t cols;

	if (max_cols > FORMAT_CELL_MAX)
		max_cols = FORMAT_CELL_MAX;
	format__term(buf, sizeof(buf), s, len, max_cols, &cols);
	return cols;
}

int format__flush(FILE *f)
{
	int err;

	if (fflush(f) == 0 && !ferror(f))
		return 0;
	err = errno ? -errno : -EIO;
	/* report each failure once; a later write will fail again if it must */
	clearerr(f);
	return err;
}

const char *format__kind(uint8_t kind, bool abbr)
{
	switch (kind) {
	case 1:
		return abbr ? "INT" : "internal";
	case SPAN_KIND_SERVER:
		return abbr ? "SRV" : "server";
	case SPAN_KIND_CLIENT:
		return abbr ? "CLI" : "client";
	case 4:
		return abbr ? "PRD" : "producer";
	case 5:
		return abbr ? "CNS" : "consumer";
	default:
		return abbr ? "---" : "unspecified";
	}
}

/* --- the output object ---------------------------------------------------- */

struct output {
	enum output_format fmt;
	FILE *f;
	bool color;
	struct otlp_config *own_cfg;	  /* when none was given */
	struct otlp_resources *resources; /* otlp-json */
};

struct output *output__new(enum output_format fmt, FILE *out, bool color,
			   const struct otlp_config *otlp)
{
	struct output *o;

	if (fmt > OUTPUT_OTLP_JSON || (fmt != OUTPUT_NONE && !out)) {
		errno = EINVAL;
		return NULL;
	}
	o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	o->fmt = fmt;
	o->f = out;
	o->color = color;
	if (fmt == OUTPUT_OTLP_JSON) {
		if (!otlp) {
			o->own_cfg = calloc(1, sizeof(*o->own_cfg));
			if (!o->own_cfg)
				goto nomem;
			otlp_config__init(o->own_cfg);
			otlp = o->own_cfg;
		}
		o->resources = otlp_resources__new(otlp, 256);
		if (!o->resources)
			goto nomem;
	}
	return o;
nomem:
	output__free(o);
	errno = ENOMEM;
	return NULL;
}

int output__span(struct output *o, const struct span *s,
		 const struct proc_info *pi)
{
	if (!o || !s)
		return -EINVAL;
	switch (o->fmt) {
	case OUTPUT_JSON:
		return output_json__span(o->f, s);
	case OUTPUT_PRETTY:
		return output_pretty__span(o->f, s, o->color);
	case OUTPUT_OTLP_JSON:
		return output_otlp_json__span(o->f, o->resources, s, pi);
	default:
		return 0;
	}
}

void output__free(struct output *o)
{
	if (!o)
		return;
	otlp_resources__free(o->resources);
	if (o->own_cfg) {
		otlp_config__free(o->own_cfg);
		free(o->own_cfg);
	}
	free(o);
}

int output__parse_format(const char *name, enum output_format *ret_fmt)
{
	static const struct {
		const char *name;
		enum output_format fmt;
	} names[] = {
		{"pretty", OUTPUT_PRETTY},
		{"json", OUTPUT_JSON},
		{"otlp-json", OUTPUT_OTLP_JSON},
		{"none", OUTPUT_NONE},
	};

	if (!name)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(name, names[i].name)) {
			*ret_fmt = names[i].fmt;
			return 0;
		}
	}
	return -EINVAL;
}

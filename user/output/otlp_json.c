// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * --output otlp-json: each span as one OTLP JSON TracesData line, the
 * format of the OpenTelemetry Collector's file exporter and receiver, so a
 * capture can be replayed into any OTLP pipeline later.
 */
#include <errno.h>
#include <string.h>

#include "export/otlp_encode.h"
#include "export/otlp_resource.h"
#include "output/format.h"
#include "proc_info.h"

int output_otlp_json__span(FILE *f, struct otlp_resources *t,
			   const struct span *s, const struct proc_info *pi)
{
	struct proc_info stand_in;
	struct otlp_resource *r;
	struct otlp_batch b = {.spans = &s, .n = 1};
	int err;

	/* replayed recordings have no /proc to ask: the span must do */
	if (!pi) {
		proc_info__stand_in(&stand_in, s->pid, s->service_name,
				    sizeof(s->service_name));
		pi = &stand_in;
	}
	r = otlp_resources__get(t, pi);
	if (!r)
		return -ENOMEM;
	b.res = &r;
	err = otlp_encode__json(f, &b);
	otlp_resources__put(t, r);
	if (err)
		return err;
	fputc('\n', f);
	return format__flush(f);
}

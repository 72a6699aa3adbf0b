// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * spantap replay: push a recording through the agent's pipeline as fast as
 * it goes, on one thread, and say how fast that was.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture_export.h"
#include "cli.h"
#include "output/output.h"
#include "pipeline.h"
#include "record.h"
#include "util/clock.h"

static const char usage[] =
	"Usage: spantap replay FILE [OPTIONS]\n"
	"\n"
	"Runs a recording made by spantap record through decoding, parsing "
	"and\n"
	"span assembly, without the kernel, and reports events/s and spans/s "
	"on\n"
	"one core. Service names come from the recorded command names.\n"
	"\n"
	"  -o, --output FORMAT  none (default: measure only), json, otlp-json\n"
	"                       or pretty\n"
	"  -r, --repeat N       replay N times, each through a fresh pipeline\n"
	"  -h, --help           this help\n"
	"\n"
	"With an OTLP endpoint (the flags and variables of spantap capture,\n"
	"e.g. --otlp-endpoint http://127.0.0.1:4318) the spans are exported;\n"
	"replay then waits for the exporter rather than dropping spans, and\n"
	"reports the export rate and spantap's CPU time.\n";

/* How long replay waits, at the end, for the last spans to be exported */
#define REPLAY_FLUSH_MS 60000

struct replay {
	struct output *out;
	struct exporter *exp;
	uint64_t spans;
	int out_err;
};

static void on_span(struct span *s, void *arg)
{
	struct replay *r = arg;

	r->spans++;
	if (r->exp) {
		struct proc_info pi;

		/* a recording has no /proc to ask: the span must do */
		proc_info__stand_in(&pi, s->pid, s->service_name,
				    sizeof(s->service_name));
		exporter__submit_wait(r->exp, s, &pi);
	}
	if (r->out && !r->out_err)
		r->out_err = output__span(r->out, s, NULL);
}

/* One pass over the recording. */
static int replay_once(const uint8_t *buf, size_t len, struct replay *r,
		       const char *path, uint64_t *ret_events)
{
	struct pipeline_opts po = {
		.max_conns = 16384,
		.stream_bytes = STREAM_DEFAULT_MAX_BYTES,
		.idle_ns = 300ULL * 1000000000ULL,
		.sink = {.emit = on_span, .arg = r},
	};
	struct record_reader *rd;
	struct pipeline *p = NULL;
	const void *data;
	size_t dlen;
	int err, n;

	rd = malloc(sizeof(*rd));
	if (!rd)
		return -ENOMEM;
	err = record_reader__init(rd, buf, len);
	if (err) {
		fprintf(stderr, "spantap: %s: %s\n", path,
			err == -ENOTSUP ? "recorded by a newer spantap; this "
					  "one cannot read it"
					: "not a spantap recording");
		goto cleanup;
	}
	po.sink.mono_to_wall = rd->mono_to_wall;
	p = pipeline__new(&po);
	if (!p) {
		err = -errno;
		goto cleanup;
	}
	while ((n = record_reader__next(rd, &data, &dlen)) > 0) {
		pipeline__event(p, data, dlen);
		(*ret_events)++;
	}
	if (n < 0) {
		fprintf(stderr,
			"spantap: %s: cut short or corrupt at byte %zu; "
			"replayed what came before\n",
			path, rd->off);
	}
	pipeline__drain(p);
	err = 0;
cleanup:
	pipeline__free(p);
	free(rd);
	return err;
}

int cmd_replay(int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"repeat", required_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},
		CAPTURE_EXPORT_OPTIONS,
		{},
	};
	enum output_format fmt = OUTPUT_NONE;
	struct capture_export xp;
	struct rusage ru;
	struct replay r = {};
	unsigned long repeat = 1;
	uint64_t events = 0, t0, t1;
	const char *path;
	struct stat st;
	void *map = MAP_FAILED;
	int fd = -1, c, err = 0;
	char *end;

	capture_export__init(&xp);
	while ((c = getopt_long(argc, argv, "o:r:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (output__parse_format(optarg, &fmt)) {
				fprintf(stderr,
					"spantap: --output '%s': use none, "
					"json, otlp-json or pretty\n",
					optarg);
				return EXIT_FAILURE;
			}
			break;
		case 'r':
			errno = 0;
			repeat = strtoul(optarg, &end, 10);
			if (errno || *end || !repeat || repeat > 1000000 ||
			    *optarg == '-') {
				fprintf(stderr,
					"spantap: --repeat '%s' is not a "
					"number from 1 to 1000000\n",
					optarg);
				return EXIT_FAILURE;
			}
			break;
		case 'h':
			fputs(usage, stdout);
			return EXIT_SUCCESS;
		default:
			if (capture_export__owns(c)) {
				if (capture_export__flag(&xp, c, optarg))
					return EXIT_FAILURE;
				break;
			}
			fputs("Try 'spantap replay --help'.\n", stderr);
			return EXIT_FAILURE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "spantap: replay needs one FILE; try 'spantap "
				"replay --help'\n");
		return EXIT_FAILURE;
	}
	path = argv[optind];

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		fprintf(stderr, "spantap: cannot read %s: %s\n", path,
			strerror(errno));
		err = -errno;
		goto cleanup;
	}
	if (st.st_size == 0) {
		fprintf(stderr,
			"spantap: %s: not a spantap recording (empty)\n", path);
		err = -EINVAL;
		goto cleanup;
	}
	map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		err = -errno;
		fprintf(stderr, "spantap: cannot map %s: %s\n", path,
			strerror(errno));
		goto cleanup;
	}
	if (capture_export__start(&xp)) {
		err = -EINVAL;
		goto cleanup;
	}
	r.exp = xp.exp;
	if (fmt != OUTPUT_NONE) {
		r.out = output__new(fmt, stdout, isatty(STDOUT_FILENO),
				    &xp.cfg);
		if (!r.out) {
			err = -errno;
			goto cleanup;
		}
	}
	/* fault the file in first, so the timing is the pipeline's */
	madvise(map, st.st_size, MADV_WILLNEED);
	for (off_t i = 0; i < st.st_size; i += 4096)
		(void)*(volatile const uint8_t *)((const uint8_t *)map + i);

	t0 = clock__mono_ns();
	for (unsigned long i = 0; i < repeat && !err; i++)
		err = replay_once(map, st.st_size, &r, path, &events);
	capture_export__stop(&xp, REPLAY_FLUSH_MS);
	t1 = clock__mono_ns();
	if (!err) {
		double s = (t1 - t0) / 1e9;

		fprintf(stderr,
			"replay: %llu events, %llu spans, %.3f s: %.0f "
			"events/s, %.0f spans/s\n",
			(unsigned long long)events, (unsigned long long)r.spans,
			s, s > 0 ? events / s : 0.0, s > 0 ? r.spans / s : 0.0);
		if (xp.exp && !getrusage(RUSAGE_SELF, &ru))
			fprintf(stderr,
				"replay: cpu %.3f s user, %.3f s system (all "
				"threads)\n",
				ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
				ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
		capture_export__report(&xp, stderr);
	}

cleanup:
	output__free(r.out);
	capture_export__free(&xp);
	if (map != MAP_FAILED)
		munmap(map, st.st_size);
	if (fd >= 0)
		close(fd);
	return err ? EXIT_FAILURE : EXIT_SUCCESS;
}

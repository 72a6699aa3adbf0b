// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * spantap capture: attach, turn events into spans, print them, and at the
 * end a summary and every loss counter.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture_export.h"
#include "capture_report.h"
#include "cli.h"
#include "kernel_features.h"
#include "loader.h"
#include "output/output.h"
#include "pipeline.h"
#include "proc_info.h"
#include "record.h"
#include "ringbuf_reader.h"
#include "tls_probes.h"
#include "util/clock.h"
#include "util/log.h"

#define MAX_FILTERS 64
#define POLL_MS 50

static const char record_usage[] =
	"Usage: spantap record FILE [CAPTURE OPTIONS]\n"
	"\n"
	"Captures raw events, as the kernel sends them, into FILE until Ctrl-C "
	"or\n"
	"--duration, without making spans: for spantap replay, benchmarks of "
	"the\n"
	"agent alone, and bug reports. Takes the filters and limits of "
	"capture\n"
	"(see spantap capture --help); --output does not apply.\n"
	"\n"
	"  sudo spantap record /tmp/web.rec --port 8080 --duration 10\n";

static const char usage[] =
	"Usage: spantap capture [OPTIONS]\n"
	"\n"
	"Traces HTTP/1 traffic of the selected processes and prints a span "
	"per\n"
	"request: a server span where the process answered, a client span "
	"where\n"
	"it asked. With no --pid/--comm/--port, every process but spantap is\n"
	"traced. Filters are applied in the kernel; each kind given must "
	"match\n"
	"(any of its values), so --comm nginx --port 8080 is nginx on port "
	"8080.\n"
	"\n"
	"  -p, --pid PID           trace this process (repeatable); the TLS\n"
	"                          uprobes go into the selected processes\n"
	"                          alone\n"
	"  -c, --comm NAME         trace processes with this command name, as "
	"in\n"
	"                          /proc/PID/comm (first 15 bytes; "
	"repeatable)\n"
	"  -P, --port PORT         trace TCP connections with this port at "
	"either\n"
	"                          end (repeatable)\n"
	"  -d, --duration SECONDS  stop after this long (default: until "
	"Ctrl-C)\n"
	"  -o, --output FORMAT     pretty (default on a terminal), json "
	"(default\n"
	"                          otherwise: one span per line), otlp-json\n"
	"                          (OTLP JSON lines, the Collector's file\n"
	"                          format), or none\n"
	"      --max-bytes N       bytes copied per syscall for parsing, "
	"64..4096\n"
	"                          (default 1024); headers past it are lost\n"
	"      --ringbuf-mb N      kernel to agent buffer, MiB, power of two\n"
	"                          (default 16)\n"
	"      --max-conns N       connections tracked at once (default "
	"16384)\n"
	"      --no-summary        no summary table at the end\n"
	"      --attach-mode MODE  auto (default: the first the kernel has of\n"
	"                          sock-tracepoint, socket, tracepoint),\n"
	"                          sock-tracepoint (the socket layer's\n"
	"                          tracepoints), socket (tcp_sendmsg/\n"
	"                          tcp_recvmsg by fentry, else kprobes),\n"
	"                          fentry, kprobe, or tracepoint (syscall\n"
	"                          tracepoints)\n"
	"      --no-tls            do not attach to OpenSSL (HTTPS is then "
	"not\n"
	"                          traced; its ciphertext is still never "
	"parsed);\n"
	"                          no uprobes at all, so that programs run\n"
	"                          under valgrind do not die of SIGTRAP\n"
	"  -v, --verbose           more diagnostics (libbpf, the verifier)\n"
	"  -h, --help              this help\n"
	"\n"
	"%s"
	"\n"
	"Spans go to stdout; diagnostics, the live status line and, with json "
	"or\n"
	"none, the summary go to stderr.\n";

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	exiting = 1;
}

struct capture {
	enum output_format fmt;
	struct capture_export *xp;
	struct proc_cache *procs;
	struct output *out;
	struct summary *summary;
	struct pipeline *pipe;
	struct loader *loader;
	struct tls_probes *tls; /* NULL with --no-tls */
	FILE *rec; /* spantap record: events go here, not to spans */
	uint64_t recorded;
	uint64_t recorded_bytes;
	int rec_err;
	bool status_line; /* stderr is a terminal */
	bool status_shown;
	uint64_t spans;
	uint64_t spans_at_last_status;
	uint64_t wakeups; /* polls the kernel ended, not the timer */
	int out_err;
};

static void status_clear(struct capture *cap)
{
	if (cap->status_shown) {
		fputs("\r\033[K", stderr);
		cap->status_shown = false;
	}
}

/* pipeline_opts.other_proto: the kernel stops sending its socket bytes */
static void on_other_proto(void *arg, uint64_t conn_id, bool tls)
{
	struct capture *cap = arg;

	loader__skip_other_proto(cap->loader, conn_id, tls);
}

/* pipeline_opts.pid_known: the kernel stops waking us for its connections */
static void on_pid_known(void *arg, uint32_t pid)
{
	struct capture *cap = arg;

	loader__know_pid(cap->loader, pid);
}

static void on_span(struct span *s, void *arg)
{
	struct capture *cap = arg;
	struct exporter *exp = cap->xp->exp;
	const struct proc_info *pi = NULL;
	int err;

	/* the collector answering our own exports is not shown or sent */
	if (exp && exporter__own_traffic(exp, s))
		return;
	cap->spans++;
	summary__add(cap->summary, s);
	if (exp || cap->fmt == OUTPUT_OTLP_JSON)
		pi = proc_cache__get(cap->procs, s->pid, NULL);
	if (exp)
		exporter__submit(exp, s, pi);
	if (cap->fmt == OUTPUT_NONE || cap->out_err)
		return;
	status_clear(cap);
	err = output__span(cap->out, s, pi);
	if (err) {
		cap->out_err = err;
		exiting = 1;
	}
}

static int on_event(void *ctx, void *data, size_t len)
{
	struct capture *cap = ctx;
	const struct st_event_hdr *h = data;
	int err;

	/* new processes and libraries: TLS probes to attach or let go */
	if (cap->tls && len >= sizeof(struct st_proc_event) &&
	    h->type >= ST_EV_PROC_EXEC && h->type <= ST_EV_PROC_EXIT)
		tls_probes__event(cap->tls, data);
	if (!cap->rec) {
		pipeline__event(cap->pipe, data, len);
		return 0;
	}
	if (cap->rec_err)
		return 0;
	err = record__write(cap->rec, data, len);
	if (err) {
		cap->rec_err = err;
		exiting = 1;
		return 0;
	}
	cap->recorded++;
	cap->recorded_bytes += len;
	return 0;
}

static void status_show(struct capture *cap, double interval_s)
{
	uint64_t k[ST_STAT__MAX] = {};
	const struct pipeline_stats *ps = pipeline__stats(cap->pipe);

	loader__read_stats(cap->loader, k);
	if (cap->rec) {
		fprintf(stderr,
			"\r\033[K%llu events recorded  lost: kernel %llu",
			(unsigned long long)cap->recorded,
			(unsigned long long)capture_report__kernel_losses(k));
		cap->status_shown = true;
		return;
	}
	fprintf(stderr,
		"\r\033[K%llu spans  %.1f spans/s  %zu conns  lost: kernel "
		"%llu, gaps %llu",
		(unsigned long long)cap->spans,
		(cap->spans - cap->spans_at_last_status) / interval_s,
		pipeline__nconns(cap->pipe),
		(unsigned long long)capture_report__kernel_losses(k),
		(unsigned long long)ps->streams.gaps);
	if (cap->xp->exp) {
		struct exporter_stats st;

		exporter__stats(cap->xp->exp, &st);
		fprintf(stderr, "  otlp: sent %llu, queued %llu, dropped %llu",
			(unsigned long long)st.sent,
			(unsigned long long)st.waiting,
			(unsigned long long)exporter_stats__dropped(&st));
	}
	cap->spans_at_last_status = cap->spans;
	cap->status_shown = true;
}

static void report_counters(struct capture *cap)
{
	uint64_t k[ST_STAT__MAX] = {};

	loader__read_stats(cap->loader, k);
	capture_report__kernel(stderr, k);
	fprintf(stderr, "spantap: ring: wakeups=%llu\n",
		(unsigned long long)cap->wakeups);
	if (cap->rec) {
		fprintf(stderr, "spantap: recorded %llu events, %llu bytes\n",
			(unsigned long long)cap->recorded,
			(unsigned long long)cap->recorded_bytes);
		return;
	}
	capture_report__pipeline(stderr, pipeline__stats(cap->pipe));
}

static int parse_ulong(const char *s, const char *what, unsigned long min,
		       unsigned long max, unsigned long *ret)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v < min || v > max) {
		fprintf(stderr,
			"spantap: %s '%s' is not a number from %lu to %lu\n",
			what, s, min, max);
		return -EINVAL;
	}
	*ret = v;
	return 0;
}

struct capture_args {
	struct capture_export *xp;
	uint32_t pids[MAX_FILTERS];
	size_t npids;
	char comms[MAX_FILTERS][ST_COMM_LEN];
	size_t ncomms;
	uint16_t ports[MAX_FILTERS];
	size_t nports;
	unsigned long duration_s;
	unsigned long max_bytes;
	unsigned long ringbuf_mb;
	unsigned long max_conns;
	bool no_summary;
	bool no_tls;
	bool fmt_given;
	const char *record_path; /* spantap record */
	enum output_format fmt;
	enum attach_mode mode;
	bool fentry; /* socket mode by fentry, not kprobes */
};

static int add_filter(size_t *n, const char *what)
{
	if (*n == MAX_FILTERS) {
		fprintf(stderr, "spantap: at most %d --%s filters\n",
			MAX_FILTERS, what);
		return -E2BIG;
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct capture_args *a)
{
	enum {
		OPT_MAX_BYTES = 256,
		OPT_RINGBUF,
		OPT_MAX_CONNS,
		OPT_NO_SUMMARY,
		OPT_ATTACH_MODE,
		OPT_NO_TLS
	};
	static const struct option opts[] = {
		{"pid", required_argument, NULL, 'p'},
		{"comm", required_argument, NULL, 'c'},
		{"port", required_argument, NULL, 'P'},
		{"duration", required_argument, NULL, 'd'},
		{"output", required_argument, NULL, 'o'},
		{"max-bytes", required_argument, NULL, OPT_MAX_BYTES},
		{"ringbuf-mb", required_argument, NULL, OPT_RINGBUF},
		{"max-conns", required_argument, NULL, OPT_MAX_CONNS},
		{"no-summary", no_argument, NULL, OPT_NO_SUMMARY},
		{"attach-mode", required_argument, NULL, OPT_ATTACH_MODE},
		{"no-tls", no_argument, NULL, OPT_NO_TLS},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		CAPTURE_EXPORT_OPTIONS,
		{},
	};
	unsigned long v;
	char path[64];
	int c;

	while ((c = getopt_long(argc, argv, "p:c:P:d:o:vh", opts, NULL)) !=
	       -1) {
		switch (c) {
		case 'p':
			if (add_filter(&a->npids, "pid") ||
			    parse_ulong(optarg, "--pid", 1, INT_MAX, &v))
				return -EINVAL;
			snprintf(path, sizeof(path), "/proc/%lu", v);
			if (access(path, F_OK)) {
				fprintf(stderr,
					"spantap: --pid %lu: no such process\n",
					v);
				return -ESRCH;
			}
			a->pids[a->npids++] = v;
			break;
		case 'c':
			if (add_filter(&a->ncomms, "comm"))
				return -EINVAL;
			if (!*optarg) {
				fprintf(stderr,
					"spantap: --comm needs a name\n");
				return -EINVAL;
			}
			if (strlen(optarg) >= ST_COMM_LEN)
				pr_warn("--comm %s: the kernel keeps %d bytes "
					"of a command name, matching '%.*s'\n",
					optarg, ST_COMM_LEN - 1,
					ST_COMM_LEN - 1, optarg);
			strncpy(a->comms[a->ncomms], optarg, ST_COMM_LEN - 1);
			a->ncomms++;
			break;
		case 'P':
			if (add_filter(&a->nports, "port") ||
			    parse_ulong(optarg, "--port", 1, 65535, &v))
				return -EINVAL;
			a->ports[a->nports++] = v;
			break;
		case 'd':
			if (parse_ulong(optarg, "--duration", 1, 31536000,
					&a->duration_s))
				return -EINVAL;
			break;
		case 'o':
			if (output__parse_format(optarg, &a->fmt)) {
				fprintf(stderr,
					"spantap: --output '%s': use pretty, "
					"json, otlp-json or none\n",
					optarg);
				return -EINVAL;
			}
			a->fmt_given = true;
			break;
		case OPT_MAX_BYTES:
			if (parse_ulong(optarg, "--max-bytes", 64,
					ST_PAYLOAD_MAX, &a->max_bytes))
				return -EINVAL;
			break;
		case OPT_RINGBUF:
			if (parse_ulong(optarg, "--ringbuf-mb", 1, 1024,
					&a->ringbuf_mb))
				return -EINVAL;
			if (a->ringbuf_mb & (a->ringbuf_mb - 1)) {
				fprintf(stderr,
					"spantap: --ringbuf-mb %lu is not a "
					"power of two\n",
					a->ringbuf_mb);
				return -EINVAL;
			}
			break;
		case OPT_MAX_CONNS:
			if (parse_ulong(optarg, "--max-conns", 16, 1 << 22,
					&a->max_conns))
				return -EINVAL;
			break;
		case OPT_NO_SUMMARY:
			a->no_summary = true;
			break;
		case OPT_NO_TLS:
			a->no_tls = true;
			break;
		case OPT_ATTACH_MODE:
			if (attach_mode__parse(optarg, &a->mode)) {
				fprintf(stderr,
					"spantap: --attach-mode '%s': use auto, "
					"sock-tracepoint, socket, fentry, "
					"kprobe or "
					"tracepoint\n",
					optarg);
				return -EINVAL;
			}
			break;
		case 'v':
			log_level = LOG_LEVEL_DEBUG;
			break;
		case 'h':
			if (a->record_path)
				fputs(record_usage, stdout);
			else
				printf(usage, capture_export__usage);
			return 1;
		default:
			if (capture_export__owns(c)) {
				if (capture_export__flag(a->xp, c, optarg))
					return -EINVAL;
				break;
			}
			fputs("Try 'spantap capture --help'.\n", stderr);
			return -EINVAL;
		}
	}
	if (a->record_path && optind < argc) {
		a->record_path = argv[optind++];
		a->no_summary = true;
	} else if (a->record_path) {
		fprintf(stderr, "spantap: record needs a FILE to write; try "
				"'spantap record --help'\n");
		return -EINVAL;
	}
	if (optind < argc) {
		fprintf(stderr,
			"spantap: unexpected argument '%s'; try 'spantap "
			"capture --help'\n",
			argv[optind]);
		return -EINVAL;
	}
	return 0;
}

/* Pick the attach mode; on failure say what is missing. */
static int prepare_kernel(enum attach_mode *mode, bool *fentry)
{
	struct kernel_features f;
	const char *missing = NULL;
	enum attach_mode chosen;

	kernel_features__probe(&f, true);
	if (f.tracefs_mounted_now)
		pr_info("tracefs was not mounted; mounted it at %s\n",
			TRACEFS_PATH);
	if (kernel_features__choose_mode(&f, *mode, &chosen, fentry,
					 &missing)) {
		if (*mode == ATTACH_MODE_AUTO)
			fprintf(stderr,
				"spantap: cannot capture on this kernel: "
				"missing %s\n",
				missing);
		else
			fprintf(stderr,
				"spantap: cannot capture on this kernel in "
				"attach mode %s: missing %s\n",
				attach_mode__name(*mode), missing);
		return -ENOTSUP;
	}
	*mode = chosen;
	pr_debug("attach mode %s%s\n", attach_mode__name(chosen),
		 chosen != ATTACH_MODE_SOCKET ? ""
		 : *fentry		      ? " (fentry)"
					      : " (kprobes)");
	return 0;
}

static void describe_filters(const struct capture_args *a)
{
	char buf[512];
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < a->npids && n < sizeof(buf); i++)
		n += snprintf(buf + n, sizeof(buf) - n, " pid %u", a->pids[i]);
	for (size_t i = 0; i < a->ncomms && n < sizeof(buf); i++)
		n += snprintf(buf + n, sizeof(buf) - n, " comm %s",
			      a->comms[i]);
	for (size_t i = 0; i < a->nports && n < sizeof(buf); i++)
		n += snprintf(buf + n, sizeof(buf) - n, " port %u",
			      a->ports[i]);
	fprintf(stderr, "spantap: capturing %s%s on%s%s (%s)\n",
		a->record_path ? "raw events into " : "HTTP/1",
		a->record_path ? a->record_path : "", n ? "" : " every process",
		buf,
		a->duration_s ? "until the duration ends or Ctrl-C"
			      : "Ctrl-C to stop");
}

static int capture_main(int argc, char **argv, bool record)
{
	struct capture_export xp;
	struct capture_args a = {
		.xp = &xp,
		.max_bytes = ST_PAYLOAD_DEFAULT,
		.ringbuf_mb = 16,
		.max_conns = 16384,
		/* marks record mode until the FILE is parsed */
		.record_path = record ? "" : NULL};
	struct capture cap = {};
	struct pipeline_opts po = {};
	struct loader_opts lo = {};
	struct ringbuf_reader *rb = NULL;
	struct proc_cache *procs = NULL;
	uint64_t start, deadline = 0, last_tick;
	char errbuf[512] = "";
	struct sigaction sa = {.sa_handler = on_signal};
	int err;

	capture_export__init(&xp);
	cap.xp = &xp;
	err = parse_args(argc, argv, &a);
	if (err) {
		capture_export__free(&xp);
		return err > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	}
	if (a.record_path && xp.nflags) {
		fprintf(stderr, "spantap: record writes raw events, not spans: "
				"OTLP flags do not apply\n");
		capture_export__free(&xp);
		return EXIT_FAILURE;
	}
	/* before the kernel side: a bad flag should not cost a BPF load */
	if (!a.record_path && capture_export__start(&xp)) {
		capture_export__free(&xp);
		return EXIT_FAILURE;
	}
	if (!a.fmt_given)
		a.fmt = isatty(STDOUT_FILENO) ? OUTPUT_PRETTY : OUTPUT_JSON;
	cap.fmt = a.fmt;
	cap.status_line = isatty(STDERR_FILENO);

	err = prepare_kernel(&a.mode, &a.fentry);
	if (err) {
		capture_export__free(&xp);
		return EXIT_FAILURE;
	}
	if (a.record_path) {
		a.fmt = OUTPUT_NONE;
		cap.fmt = OUTPUT_NONE;
		cap.rec = fopen(a.record_path, "we");
		if (!cap.rec) {
			fprintf(stderr, "spantap: cannot write %s: %s\n",
				a.record_path, strerror(errno));
			capture_export__free(&xp);
			return EXIT_FAILURE;
		}
		setvbuf(cap.rec, NULL, _IOFBF, 1 << 20);
	}

	cap.out = output__new(a.fmt, stdout, isatty(STDOUT_FILENO), &xp.cfg);
	cap.summary = summary__new();
	procs = proc_cache__new(4096);
	cap.procs = procs;
	if (!cap.out || !cap.summary || !procs) {
		err = -ENOMEM;
		fprintf(stderr, "spantap: out of memory\n");
		goto cleanup;
	}
	po.max_conns = a.max_conns;
	po.stream_bytes = STREAM_DEFAULT_MAX_BYTES;
	po.idle_ns = 300ULL * 1000000000ULL;
	po.sink.emit = on_span;
	po.sink.arg = &cap;
	po.sink.procs = procs;
	po.sink.mono_to_wall = clock__mono_to_wall();
	/* a recording keeps every byte: its replay decides for itself */
	if (!cap.rec) {
		po.other_proto = on_other_proto;
		po.other_proto_ctx = &cap;
		po.pid_known = on_pid_known;
		po.pid_known_ctx = &cap;
	}
	if (cap.rec && record__write_header(cap.rec, po.sink.mono_to_wall)) {
		err = -EIO;
		fprintf(stderr, "spantap: cannot write %s: %s\n", a.record_path,
			strerror(errno));
		goto cleanup;
	}
	cap.pipe = pipeline__new(&po);
	if (!cap.pipe) {
		err = -errno;
		fprintf(stderr, "spantap: cannot set up the pipeline: %s\n",
			strerror(errno));
		goto cleanup;
	}

	lo.pids = a.pids;
	lo.npids = a.npids;
	lo.comms = (const char(*)[ST_COMM_LEN])a.comms;
	lo.ncomms = a.ncomms;
	lo.ports = a.ports;
	lo.nports = a.nports;
	lo.payload_cap = a.max_bytes;
	lo.ringbuf_bytes = a.ringbuf_mb << 20;
	lo.mode = a.mode;
	lo.fentry = a.fentry;
	lo.tls = !a.no_tls;
	err = loader__start(&lo, &cap.loader, errbuf, sizeof(errbuf));
	if (err) {
		fprintf(stderr, "spantap: %s\n", errbuf);
		goto cleanup;
	}
	if (lo.tls) {
		struct tls_probes_opts to = {
			.pids = a.pids,
			.npids = a.npids,
			.comms = (const char(*)[ST_COMM_LEN])a.comms,
			.ncomms = a.ncomms,
		};

		cap.tls = tls_probes__new(cap.loader, &to);
		if (!cap.tls) {
			err = -errno;
			fprintf(stderr, "spantap: out of memory\n");
			goto cleanup;
		}
		/* the libraries of running processes, before 'capturing' */
		tls_probes__start(cap.tls);
	}
	err = ringbuf_reader__new(loader__ringbuf_fd(cap.loader), on_event,
				  &cap, &rb);
	if (err) {
		fprintf(stderr, "spantap: cannot open the ring buffer: %s\n",
			strerror(-err));
		goto cleanup;
	}

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	describe_filters(&a);

	start = last_tick = clock__mono_ns();
	if (a.duration_s)
		deadline = start + a.duration_s * 1000000000ULL;
	while (!exiting) {
		uint64_t now;

		/*
		 * The BPF side wakes us only when a lot is waiting, so poll
		 * on a short timer and drain whatever arrived.
		 */
		err = ringbuf_reader__poll(rb, POLL_MS);
		if (err > 0)
			cap.wakeups++;
		if (err >= 0)
			err = ringbuf_reader__consume(rb);
		if (err < 0 && err != -EINTR) {
			fprintf(stderr,
				"spantap: reading the ring buffer: %s\n",
				strerror(-err));
			goto cleanup;
		}
		err = 0;
		now = clock__mono_ns();
		if (cap.tls)
			tls_probes__tick(cap.tls, now);
		if (deadline && now >= deadline)
			break;
		pipeline__tick(cap.pipe, now);
		proc_cache__tick(procs, now);
		if (now - last_tick >= 1000000000ULL) {
			if (cap.status_line)
				status_show(&cap, (now - last_tick) / 1e9);
			last_tick = now;
		}
	}
	/* what the kernel wrote before we stopped still counts */
	ringbuf_reader__consume(rb);
	pipeline__drain(cap.pipe);
	status_clear(&cap);
	capture_export__stop(&xp, CAPTURE_EXPORT_FLUSH_MS);
	if (cap.out_err && cap.out_err != -EPIPE)
		fprintf(stderr, "spantap: writing spans: %s\n",
			strerror(-cap.out_err));
	if (cap.rec && (cap.rec_err || fflush(cap.rec))) {
		fprintf(stderr,
			"spantap: writing %s failed (%s); the recording is cut "
			"short\n",
			a.record_path,
			strerror(cap.rec_err ? -cap.rec_err : errno));
		err = -EIO;
	}
	if (!a.no_summary)
		summary__print(cap.summary,
			       a.fmt == OUTPUT_PRETTY ? stdout : stderr);
	report_counters(&cap);
	if (cap.tls)
		tls_probes__report(cap.tls, stderr);
	capture_export__report(&xp, stderr);

cleanup:
	ringbuf_reader__free(rb);
	pipeline__free(cap.pipe);
	tls_probes__free(cap.tls);
	loader__free(cap.loader);
	proc_cache__free(procs);
	summary__free(cap.summary);
	output__free(cap.out);
	capture_export__free(&xp);
	if (cap.rec && fclose(cap.rec) && !err) {
		fprintf(stderr, "spantap: closing %s: %s\n", a.record_path,
			strerror(errno));
		err = -EIO;
	}
	return err ? EXIT_FAILURE : EXIT_SUCCESS;
}

int cmd_capture(int argc, char **argv)
{
	return capture_main(argc, argv, false);
}

int cmd_record(int argc, char **argv)
{
	return capture_main(argc, argv, true);
}

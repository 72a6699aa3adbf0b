// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* spantap check: what this kernel offers, and what capture will do with it. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kernel_features.h"
#include "loader.h"
#include "tls_probes.h"
#include "util/log.h"

static const char usage[] =
	"Usage: spantap check [-v]\n"
	"\n"
	"Reports BTF, tracefs, tracepoints, kprobes, fentry, uprobes and ring\n"
	"buffer support, loads spantap's BPF programs to let the verifier "
	"judge\n"
	"them, and names the attach mode capture will use. Exits non-zero "
	"when\n"
	"capture cannot run here, naming what is missing.\n"
	"\n"
	"  -v, --verbose   show libbpf's messages (the verifier log on "
	"failure)\n"
	"  -h, --help      this help\n";

static void row(const char *what, bool ok, const char *note)
{
	printf("  %-20s %-4s %s\n", what, ok ? "yes" : "no", note ? note : "");
}

/* What the chosen mode hooks, and what else would run here */
static const char *mode_summary(enum attach_mode mode, bool fentry)
{
	switch (mode) {
	case ATTACH_MODE_SOCK_TP:
		return "the socket layer's tracepoints, no syscall hooked for "
		       "data; --attach-mode tracepoint also works";
	case ATTACH_MODE_TRACEPOINT:
		return "syscall tracepoints; the socket mode needs kprobes or "
		       "fentry";
	default:
		return fentry ? "tcp_sendmsg/tcp_recvmsg by fentry; "
				"--attach-mode tracepoint also works"
			      : "tcp_sendmsg/tcp_recvmsg by kprobes; "
				"--attach-mode tracepoint also works";
	}
}

int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	struct loader_opts lo = {.payload_cap = ST_PAYLOAD_DEFAULT,
				 .ringbuf_bytes = 1 << 20,
				 .tls = true};
	struct tls_probes_opts to = {.quiet = true};
	struct tls_probes *tp;
	struct kernel_features f;
	struct loader *l = NULL;
	const char *missing = NULL;
	enum attach_mode mode;
	char err[512] = "";
	int c, ret;

	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			log_level = LOG_LEVEL_DEBUG;
			break;
		case 'h':
			fputs(usage, stdout);
			return EXIT_SUCCESS;
		default:
			fputs(usage, stderr);
			return EXIT_FAILURE;
		}
	}

	kernel_features__probe(&f, true);
	printf("spantap %s on kernel %s\n", SPANTAP_VERSION, f.release);
	row("privileges", f.privileged,
	    f.privileged ? NULL
			 : "run as root, or with CAP_BPF and CAP_PERFMON");
	row("BTF", f.btf, "/sys/kernel/btf/vmlinux");
	row("ring buffer", f.ringbuf,
	    f.privileged ? NULL : "(needs privileges to probe)");
	if (f.tracefs_mounted_now)
		row("tracefs", true, "mounted now at " TRACEFS_PATH);
	else if (f.tracefs)
		row("tracefs", true, TRACEFS_PATH);
	else if (!f.privileged)
		row("tracefs", false, "(needs privileges to probe)");
	else
		row("tracefs", false,
		    f.tracefs_errno ? strerror(f.tracefs_errno)
				    : "not mounted");
	row("syscall tracepoints", f.syscall_tracepoints, NULL);
	row("sock tracepoint", f.sock_tracepoint, "sock:inet_sock_set_state");
	row("socket tracepoints", f.sock_io_tracepoints,
	    "sock:sock_send_length/sock_recv_length by BTF");
	row("kprobes", f.kprobes, NULL);
	row("fentry", f.fentry, NULL);
	row("uprobes", f.uprobes, NULL);

	ret = kernel_features__choose_mode(&f, ATTACH_MODE_AUTO, &mode,
					   &lo.fentry, &missing);
	if (ret) {
		printf("  %-20s none: missing %s\n", "attach mode", missing);
		fprintf(stderr,
			"spantap: capture cannot run here: missing %s\n",
			missing);
		return EXIT_FAILURE;
	}
	lo.mode = mode;
	ret = loader__start(&lo, &l, err, sizeof(err));
	if (ret) {
		row("BPF programs", false, err);
		fprintf(stderr, "spantap: capture cannot run here: %s\n", err);
		return EXIT_FAILURE;
	}
	printf("  %-20s %-4s %u programs loaded and attached\n", "BPF programs",
	       "yes", loader__nattached(l));
	if (loader__io_desc(l))
		printf("  %-20s      %s\n", "reads and writes",
		       loader__io_desc(l));
	/* attach for real: a library the kernel refuses shows here */
	tp = tls_probes__new(l, &to);
	if (tp) {
		int n = tls_probes__start(tp);

		printf("  %-20s %-4s %d processes scanned, OpenSSL found:\n",
		       "TLS libraries", f.uprobes ? "yes" : "no", n);
		tls_probes__list(tp, stdout);
	}
	tls_probes__free(tp);
	loader__free(l);
	printf("  %-20s %s (%s)\n", "attach mode", attach_mode__name(mode),
	       mode_summary(mode, lo.fentry));
	return EXIT_SUCCESS;
}

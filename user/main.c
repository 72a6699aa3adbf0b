// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * spantap: OpenTelemetry spans from the traffic of unmodified services, seen
 * from the kernel.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "cli.h"
#include "util/log.h"

static const char usage[] =
	"Usage: spantap COMMAND [OPTIONS]\n"
	"\n"
	"Turns the HTTP traffic of the services on this host into OpenTelemetry\n"
	"spans, from the kernel, without touching the services.\n"
	"\n"
	"Commands:\n"
	"  capture   trace traffic and print spans (spantap capture --help)\n"
	"  check     say what this kernel offers and which attach mode capture uses\n"
	"  record    capture raw events into a file (spantap record --help)\n"
	"  replay    run a recording through the agent, measuring it\n"
	"  version   print the version\n"
	"  help      print this help\n"
	"\n"
	"Examples:\n"
	"  sudo spantap capture --duration 30 --port 8080\n"
	"  sudo spantap capture --pid 1234 --output json > spans.jsonl\n"
	"  sudo spantap check\n";

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	if (level == LIBBPF_DEBUG && log_level < LOG_LEVEL_DEBUG)
		return 0;
	if (level == LIBBPF_INFO && log_level < LOG_LEVEL_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void cli__setup_libbpf_log(void)
{
	libbpf_set_print(libbpf_print);
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	cli__setup_libbpf_log();
	if (!cmd) {
		fputs(usage, stderr);
		return EXIT_FAILURE;
	}
	if (!strcmp(cmd, "capture"))
		return cmd_capture(argc - 1, argv + 1);
	if (!strcmp(cmd, "check"))
		return cmd_check(argc - 1, argv + 1);
	if (!strcmp(cmd, "record"))
		return cmd_record(argc - 1, argv + 1);
	if (!strcmp(cmd, "replay"))
		return cmd_replay(argc - 1, argv + 1);
	if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
		printf("spantap %s (libbpf %s)\n", SPANTAP_VERSION,
		       libbpf_version_string());
		return EXIT_SUCCESS;
	}
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") ||
	    !strcmp(cmd, "-h")) {
		fputs(usage, stdout);
		return EXIT_SUCCESS;
	}
	fprintf(stderr, "spantap: unknown command '%s'; try 'spantap help'\n",
		cmd);
	return EXIT_FAILURE;
}

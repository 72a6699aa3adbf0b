/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Diagnostics for the CLI and agent stages that talk to the user. Library
 * code (parsers, stream, spans, outputs) does not log; it returns errors and
 * counts. Everything goes to stderr so stdout stays clean for spans.
 */
#ifndef __SPANTAP_LOG_H
#define __SPANTAP_LOG_H

#include <stdio.h>

enum log_level {
	LOG_LEVEL_WARN = 0,
	LOG_LEVEL_INFO = 1,
	LOG_LEVEL_DEBUG = 2,
};

extern int log_level;

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define pr_warn(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define pr_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define pr_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif /* __SPANTAP_LOG_H */

/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* Reading a process's files under /proc, bounded by the caller's buffer. */
#ifndef __SPANTAP_PROCFS_H
#define __SPANTAP_PROCFS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Read at most size bytes of /proc/PID/NAME into buf (not terminated).
 * Returns the bytes read, or -errno (-ENOENT when the process is gone).
 */
ssize_t procfs__read(uint32_t pid, const char *name, char *buf, size_t size);

#endif /* __SPANTAP_PROCFS_H */

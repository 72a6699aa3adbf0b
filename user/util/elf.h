/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Just enough ELF to ask whether an executable has a section of a given
 * name: how spantap tells a Go program (".go.buildinfo") from others. The
 * file is untrusted: every offset and count is bounded by the file's size
 * and by fixed caps, and nothing is allocated from what the file says.
 */
#ifndef __SPANTAP_ELF_H
#define __SPANTAP_ELF_H

#include <stdbool.h>
#include <stddef.h>

/* Section name tables larger than this are not read (and not matched). */
#define ELF_SHSTRTAB_MAX (64 * 1024)

/*
 * Whether the ELF64 little-endian file in buf (len bytes) has a section
 * named name. 1 yes, 0 no, -EINVAL when buf is not such a file.
 */
int elf__has_section_mem(const void *buf, size_t len, const char *name);

/* As elf__has_section_mem, for the file open at fd (read with pread). */
int elf__has_section_fd(int fd, const char *name);

#endif /* __SPANTAP_ELF_H */

/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Where a function starts in an ELF file, as the file offset a uprobe is
 * attached at: how spantap finds SSL_read and friends in a traced program's
 * libssl. The files are untrusted (a traced process chooses what it maps),
 * so every count and length read from them is bounded by the file's size
 * and by the caps below, and nothing is allocated at a size the file asks
 * for beyond them.
 */
#ifndef __SPANTAP_ELF_SYMBOLS_H
#define __SPANTAP_ELF_SYMBOLS_H

#include <stddef.h>
#include <stdint.h>

/* At most this many symbols of each table are looked at. */
#define ELF_SYMS_MAX_SYMS (1u << 22)
/* At most this many bytes of a symbol table's string table are read. */
#define ELF_SYMS_MAX_STRTAB (64u << 20)
/* Files with more program headers than this are refused (-E2BIG). */
#define ELF_SYMS_MAX_PHDRS 4096
/* Sections past this many are not looked at. */
#define ELF_SYMS_MAX_SECTIONS 65536
/* At most this many names per elf_syms__lookup (-E2BIG). */
#define ELF_SYMS_MAX_NAMES 64

/* One ELF file open for lookups; not to be shared between threads. */
struct elf_syms;

/*
 * Open the executable or shared object at path into *ret (NULL on failure).
 * 0, or -errno: -ENOEXEC when it is not a regular file holding an ELF
 * executable or shared object libelf can read, -E2BIG past
 * ELF_SYMS_MAX_PHDRS.
 */
int elf_syms__open(const char *path, struct elf_syms **ret);

/* As elf_syms__open, for an image in memory that outlives the handle. */
int elf_syms__open_mem(const void *buf, size_t len, struct elf_syms **ret);

/*
 * Look up n function names (n <= ELF_SYMS_MAX_NAMES, none empty) in one
 * pass over .dynsym, then, for what is still missing, one over .symtab.
 * offs[i] receives the file offset of names[i]'s first instruction, or 0
 * when it is not found.
 *
 * Only defined STT_FUNC symbols with a nonzero value count (not
 * STT_GNU_IFUNC: their value is the resolver's). A .symtab name counts up
 * to its '@' ("SSL_read@@OPENSSL_3.0.0" is SSL_read). The default version
 * of a name wins over a non-default one (a hidden .gnu.version entry, a
 * "name@VER" in .symtab); otherwise .dynsym wins over .symtab and the first
 * symbol of a table over later ones. The address is turned into an offset
 * through the executable PT_LOAD segment holding it; a symbol outside every
 * such segment (or past the end of the file) is not found.
 *
 * Returns how many names were found, or -errno (-EINVAL, -E2BIG).
 */
int elf_syms__lookup(struct elf_syms *e, const char *const *names, size_t n,
		     uint64_t *offs);

void elf_syms__close(struct elf_syms *e);

#endif /* __SPANTAP_ELF_SYMBOLS_H */

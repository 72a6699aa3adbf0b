// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * libelf checks each header, section and chunk it reads against the file's
 * size; on top of that every table is read only up to our caps, through
 * elf_getdata_rawchunk rather than elf_getdata, which would read a whole
 * section at the size its header claims. Tables are read on first use and
 * kept, so repeated lookups cost no further reads.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/elf_symbols.h"

/* In a .gnu.version entry: not the default version of its name */
#define VERSYM_HIDDEN 0x8000

enum { TAB_DYNSYM, TAB_SYMTAB, NTABS };

/* How good a match is; only a better one replaces an earlier one. */
enum { MATCH_NONE, MATCH_OLD_VERSION, MATCH_DEFAULT };

/* An executable PT_LOAD, cut to what the file holds */
struct exec_seg {
	uint64_t vaddr, filesz, offset;
};

struct sym_table {
	size_t scn;  /* section index, 0 when the file has none */
	bool loaded; /* reading was tried (it may have failed) */
	Elf_Data *syms;
	size_t nsyms;
	const char *strs;
	size_t strs_len;
	Elf_Data *versym; /* .dynsym only; NULL: every entry is a default */
	size_t nversym;
};

struct elf_syms {
	Elf *elf;
	int fd; /* -1 for an image in memory */
	uint64_t size;
	struct exec_seg *segs;
	size_t nsegs;
	size_t versym_scn;
	struct sym_table tab[NTABS];
};

struct query {
	const char *const *names;
	size_t lens[ELF_SYMS_MAX_NAMES];
	uint8_t match[ELF_SYMS_MAX_NAMES];
	uint64_t *offs;
	size_t n;
	size_t found;	 /* names with any match */
	size_t ndefault; /* names with a MATCH_DEFAULT: nothing can beat it */
};

static pthread_once_t libelf_once = PTHREAD_ONCE_INIT;
static int libelf_err;

static void libelf_init(void)
{
	if (elf_version(EV_CURRENT) == EV_NONE)
		libelf_err = -ENOTSUP;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static int read_phdrs(struct elf_syms *e, const GElf_Ehdr *eh)
{
	size_t phnum;

	/* libelf counts only the headers the file holds: cut short, if fewer */
	if (elf_getphdrnum(e->elf, &phnum) ||
	    (eh->e_phnum != PN_XNUM && phnum != eh->e_phnum))
		return -ENOEXEC;
	if (phnum > ELF_SYMS_MAX_PHDRS)
		return -E2BIG;
	if (!phnum)
		return 0;
	e->segs = calloc(phnum, sizeof(*e->segs));
	if (!e->segs)
		return -ENOMEM;
	for (size_t i = 0; i < phnum; i++) {
		struct exec_seg *s = &e->segs[e->nsegs];
		GElf_Phdr ph;

		if (!gelf_getphdr(e->elf, (int)i, &ph))
			return -ENOEXEC;
		if (ph.p_type != PT_LOAD || !(ph.p_flags & PF_X) ||
		    ph.p_offset >= e->size)
			continue;
		/* bytes the file does not hold cannot be probed */
		s->vaddr = ph.p_vaddr;
		s->offset = ph.p_offset;
		s->filesz = min_u64(ph.p_filesz, e->size - ph.p_offset);
		e->nsegs++;
	}
	return 0;
}

static int read_headers(struct elf_syms *e)
{
	size_t shnum;
	GElf_Ehdr eh;
	int err;

	if (elf_kind(e->elf) != ELF_K_ELF || !gelf_getehdr(e->elf, &eh) ||
	    (eh.e_type != ET_EXEC && eh.e_type != ET_DYN))
		return -ENOEXEC;
	err = read_phdrs(e, &eh);
	if (err)
		return err;
	/* and sees no sections at all when it does not hold their headers */
	if (elf_getshdrnum(e->elf, &shnum) || (eh.e_shoff && !shnum))
		return -ENOEXEC;
	shnum = min_u64(shnum, ELF_SYMS_MAX_SECTIONS);
	/* the first header read brings in the whole table, checked */
	for (size_t i = 1; i < shnum; i++) {
		Elf_Scn *scn = elf_getscn(e->elf, i);
		GElf_Shdr sh;

		if (!scn || !gelf_getshdr(scn, &sh))
			return -ENOEXEC;
		if (sh.sh_type == SHT_DYNSYM && !e->tab[TAB_DYNSYM].scn)
			e->tab[TAB_DYNSYM].scn = i;
		else if (sh.sh_type == SHT_SYMTAB && !e->tab[TAB_SYMTAB].scn)
			e->tab[TAB_SYMTAB].scn = i;
		else if (sh.sh_type == SHT_GNU_versym && !e->versym_scn)
			e->versym_scn = i;
	}
	return 0;
}

static bool get_shdr(Elf *elf, size_t idx, GElf_Shdr *sh)
{
	Elf_Scn *scn = idx ? elf_getscn(elf, idx) : NULL;

	return scn && gelf_getshdr(scn, sh) && sh->sh_offset <= INT64_MAX;
}

static void read_versym(struct elf_syms *e, struct sym_table *t)
{
	size_t halfsz = gelf_fsize(e->elf, ELF_T_HALF, 1, EV_CURRENT);
	GElf_Shdr sh;
	size_t n;

	if (!halfsz || !get_shdr(e->elf, e->versym_scn, &sh) ||
	    sh.sh_link != t->scn)
		return;
	n = min_u64(sh.sh_size / halfsz, t->nsyms);
	if (!n)
		return;
	t->versym = elf_getdata_rawchunk(e->elf, (int64_t)sh.sh_offset,
					 n * halfsz, ELF_T_HALF);
	if (t->versym)
		t->nversym = n;
}

/* On any failure the table stays empty: lookups then find nothing in it. */
static void read_table(struct elf_syms *e, struct sym_table *t, bool dynsym)
{
	size_t symsz = gelf_fsize(e->elf, ELF_T_SYM, 1, EV_CURRENT);
	GElf_Shdr sh, strsh;
	Elf_Data *syms, *strs;
	size_t n, slen;

	t->loaded = true;
	if (!symsz || !get_shdr(e->elf, t->scn, &sh) ||
	    !get_shdr(e->elf, sh.sh_link, &strsh) ||
	    strsh.sh_type != SHT_STRTAB)
		return;
	n = min_u64(sh.sh_size / symsz, ELF_SYMS_MAX_SYMS);
	slen = min_u64(strsh.sh_size, ELF_SYMS_MAX_STRTAB);
	if (!n || !slen)
		return;
	syms = elf_getdata_rawchunk(e->elf, (int64_t)sh.sh_offset, n * symsz,
				    ELF_T_SYM);
	if (!syms)
		return;
	strs = elf_getdata_rawchunk(e->elf, (int64_t)strsh.sh_offset, slen,
				    ELF_T_BYTE);
	if (!strs || !strs->d_buf || strs->d_size != slen)
		return;
	t->syms = syms;
	t->nsyms = n;
	t->strs = strs->d_buf;
	t->strs_len = slen;
	if (dynsym && e->versym_scn)
		read_versym(e, t);
}

/* 0 when vaddr is in no executable segment: offset 0 is the ELF header */
static uint64_t vaddr_to_off(const struct elf_syms *e, uint64_t vaddr)
{
	for (size_t i = 0; i < e->nsegs; i++) {
		const struct exec_seg *s = &e->segs[i];

		if (vaddr >= s->vaddr && vaddr - s->vaddr < s->filesz)
			return s->offset + (vaddr - s->vaddr);
	}
	return 0;
}

static void match_name(const struct elf_syms *e, struct query *q,
		       const char *name, size_t len, uint64_t vaddr,
		       int quality)
{
	uint64_t off = 0;

	for (size_t i = 0; i < q->n; i++) {
		if (q->match[i] >= quality || q->lens[i] != len ||
		    memcmp(q->names[i], name, len))
			continue;
		if (!off)
			off = vaddr_to_off(e, vaddr);
		if (!off)
			return;
		if (q->match[i] == MATCH_NONE)
			q->found++;
		if (quality == MATCH_DEFAULT)
			q->ndefault++;
		q->match[i] = quality;
		q->offs[i] = off;
	}
}

static void scan_table(const struct elf_syms *e, const struct sym_table *t,
		       bool versioned_names, struct query *q)
{
	for (size_t i = 0; i < t->nsyms && q->ndefault < q->n; i++) {
		int quality = MATCH_DEFAULT;
		const char *name, *at;
		size_t len, room;
		GElf_Versym ver;
		GElf_Sym sym;

		if (!gelf_getsym(t->syms, (int)i, &sym) ||
		    GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
		    sym.st_shndx == SHN_UNDEF || !sym.st_value ||
		    sym.st_name >= t->strs_len)
			continue;
		name = t->strs + sym.st_name;
		room = t->strs_len - sym.st_name;
		len = strnlen(name, room);
		if (len == room)
			continue;
		/* "name@@VER" is the default version, "name@VER" an old one */
		at = versioned_names ? memchr(name, '@', len) : NULL;
		if (at) {
			if (at[1] != '@')
				quality = MATCH_OLD_VERSION;
			len = at - name;
		}
		if (t->versym && i < t->nversym &&
		    gelf_getversym(t->versym, (int)i, &ver) &&
		    (ver & VERSYM_HIDDEN))
			quality = MATCH_OLD_VERSION;
		match_name(e, q, name, len, sym.st_value, quality);
	}
}

int elf_syms__lookup(struct elf_syms *e, const char *const *names, size_t n,
		     uint64_t *offs)
{
	struct query q = {.names = names, .offs = offs, .n = n};

	if (!e || (n && (!names || !offs)))
		return -EINVAL;
	if (n > ELF_SYMS_MAX_NAMES)
		return -E2BIG;
	for (size_t i = 0; i < n; i++) {
		if (!names[i] || !names[i][0])
			return -EINVAL;
		q.lens[i] = strlen(names[i]);
		offs[i] = 0;
	}
	for (int i = 0; i < NTABS && q.ndefault < n; i++) {
		if (!e->tab[i].loaded)
			read_table(e, &e->tab[i], i == TAB_DYNSYM);
		scan_table(e, &e->tab[i], i == TAB_SYMTAB, &q);
	}
	return (int)q.found;
}

static struct elf_syms *syms_alloc(int fd, uint64_t size)
{
	struct elf_syms *e = calloc(1, sizeof(*e));

	if (e) {
		e->fd = fd;
		e->size = size;
	}
	return e;
}

int elf_syms__open(const char *path, struct elf_syms **ret)
{
	struct elf_syms *e = NULL;
	struct stat st;
	int fd, err;

	if (ret)
		*ret = NULL;
	if (!path || !ret)
		return -EINVAL;
	pthread_once(&libelf_once, libelf_init);
	if (libelf_err)
		return libelf_err;
	/* O_NONBLOCK: a FIFO put where a library was must not hang us */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		goto cleanup;
	}
	if (!S_ISREG(st.st_mode)) {
		err = -ENOEXEC;
		goto cleanup;
	}
	e = syms_alloc(fd, st.st_size);
	if (!e) {
		err = -ENOMEM;
		goto cleanup;
	}
	fd = -1;
	/* read, not mmap: a file truncated under our mapping would SIGBUS */
	e->elf = elf_begin(e->fd, ELF_C_READ, NULL);
	err = e->elf ? read_headers(e) : -ENOEXEC;
	if (!err) {
		*ret = e;
		e = NULL;
	}
cleanup:
	elf_syms__close(e);
	if (fd >= 0)
		close(fd);
	return err;
}

int elf_syms__open_mem(const void *buf, size_t len, struct elf_syms **ret)
{
	struct elf_syms *e;
	int err;

	if (ret)
		*ret = NULL;
	if (!buf || !len || !ret)
		return -EINVAL;
	pthread_once(&libelf_once, libelf_init);
	if (libelf_err)
		return libelf_err;
	e = syms_alloc(-1, len);
	if (!e)
		return -ENOMEM;
	/* libelf only reads an image given to elf_memory */
	e->elf = elf_memory((char *)buf, len);
	err = e->elf ? read_headers(e) : -ENOEXEC;
	if (err) {
		elf_syms__close(e);
		return err;
	}
	*ret = e;
	return 0;
}

void elf_syms__close(struct elf_syms *e)
{
	if (!e)
		return;
	elf_end(e->elf);
	if (e->fd >= 0)
		close(e->fd);
	free(e->segs);
	free(e);
}

// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * ELF symbols to file offsets: a hand-made file for the rules, the system's
 * libssl checked against what the dynamic loader made of it, this binary's
 * own .symtab, and junk.
 */
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <stdlib.h>
#include <unistd.h>

#include "test.h"
#include "util/elf_symbols.h"

#define LIBSSL "/usr/lib/x86_64-linux-gnu/libssl.so.3"

/*
 * The hand-made file: an executable segment whose file offset differs from
 * its address, so a wrong translation shows, and a read-only one.
 */
#define IMG_SIZE 4096
#define TEXT_OFF 0x200
#define TEXT_VADDR 0x1200
#define TEXT_SIZE 0x100
#define RO_OFF 0x300
#define RO_VADDR 0x2300
#define RO_SIZE 0x40
#define IMG_MAX_SYMS 16
#define VER_HIDDEN 0x8000

struct symtab_img {
	Elf64_Sym syms[IMG_MAX_SYMS];
	uint16_t vers[IMG_MAX_SYMS];
	char strs[256];
	size_t nsyms, strs_len;
};

struct img {
	uint8_t buf[IMG_SIZE] __attribute__((aligned(8)));
	size_t len;
	struct symtab_img dyn, sym;
};

static void img_init(struct img *im)
{
	memset(im, 0, sizeof(*im));
	/* the null symbol and the empty name open both tables */
	im->dyn.nsyms = im->sym.nsyms = 1;
	im->dyn.strs_len = im->sym.strs_len = 1;
}

static void img_sym(struct symtab_img *t, const char *name, int type,
		    uint16_t shndx, uint64_t value, uint16_t ver)
{
	size_t len = strlen(name) + 1;
	Elf64_Sym *s = &t->syms[t->nsyms];

	if (t->nsyms == IMG_MAX_SYMS || t->strs_len + len > sizeof(t->strs))
		abort();
	s->st_name = t->strs_len;
	s->st_info = ELF64_ST_INFO(STB_GLOBAL, type);
	s->st_shndx = shndx;
	s->st_value = value;
	s->st_size = 8;
	t->vers[t->nsyms++] = ver;
	memcpy(t->strs + t->strs_len, name, len);
	t->strs_len += len;
}

static size_t img_put(struct img *im, size_t *off, const void *p, size_t n)
{
	size_t at = (*off + 7) & ~(size_t)7;

	if (at + n > IMG_SIZE)
		abort();
	memcpy(im->buf + at, p, n);
	*off = at + n;
	return at;
}

static void img_shdr(Elf64_Shdr *sh, uint32_t name, uint32_t type, uint64_t off,
		     uint64_t size, uint32_t link, uint64_t entsize)
{
	sh->sh_name = name;
	sh->sh_type = type;
	sh->sh_offset = off;
	sh->sh_size = size;
	sh->sh_link = link;
	sh->sh_entsize = entsize;
	sh->sh_addralign = 8;
}

/*
 * Sections: 1 .text, 2 .dynsym, 3 .dynstr, 4 .gnu.version, 5 .symtab,
 * 6 .strtab, 7 .shstrtab. Names in .shstrtab are not looked at by the
 * code under test, so every section is called "x".
 */
static void img_finish(struct img *im)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)im->buf;
	Elf64_Phdr *ph = (Elf64_Phdr *)(im->buf + sizeof(*eh));
	static const char shstr[] = "\0x";
	size_t off = RO_OFF + RO_SIZE, dsz = sizeof(Elf64_Sym);
	size_t dynsym, dynstr, vers, symtab, strtab, shstrtab;
	Elf64_Shdr sh[8] = {0};

	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_DYN;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_ehsize = sizeof(*eh);
	eh->e_phoff = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 2;
	eh->e_shentsize = sizeof(Elf64_Shdr);
	eh->e_shnum = 8;
	eh->e_shstrndx = 7;
	ph[0].p_type = PT_LOAD;
	ph[0].p_flags = PF_R | PF_X;
	ph[0].p_offset = TEXT_OFF;
	ph[0].p_vaddr = ph[0].p_paddr = TEXT_VADDR;
	ph[0].p_filesz = ph[0].p_memsz = TEXT_SIZE;
	ph[1].p_type = PT_LOAD;
	ph[1].p_flags = PF_R;
	ph[1].p_offset = RO_OFF;
	ph[1].p_vaddr = ph[1].p_paddr = RO_VADDR;
	ph[1].p_filesz = ph[1].p_memsz = RO_SIZE;
	/* code bytes that differ at every offset */
	for (size_t i = 0; i < TEXT_SIZE; i++)
		im->buf[TEXT_OFF + i] = (uint8_t)(i * 7 + 1);
	dynsym = img_put(im, &off, im->dyn.syms, im->dyn.nsyms * dsz);
	dynstr = img_put(im, &off, im->dyn.strs, im->dyn.strs_len);
	vers = img_put(im, &off, im->dyn.vers, im->dyn.nsyms * 2);
	symtab = img_put(im, &off, im->sym.syms, im->sym.nsyms * dsz);
	strtab = img_put(im, &off, im->sym.strs, im->sym.strs_len);
	shstrtab = img_put(im, &off, shstr, sizeof(shstr));
	img_shdr(&sh[1], 1, SHT_PROGBITS, TEXT_OFF, TEXT_SIZE, 0, 0);
	sh[1].sh_addr = TEXT_VADDR;
	img_shdr(&sh[2], 1, SHT_DYNSYM, dynsym, im->dyn.nsyms * dsz, 3, dsz);
	img_shdr(&sh[3], 1, SHT_STRTAB, dynstr, im->dyn.strs_len, 0, 0);
	img_shdr(&sh[4], 1, SHT_GNU_versym, vers, im->dyn.nsyms * 2, 2, 2);
	img_shdr(&sh[5], 1, SHT_SYMTAB, symtab, im->sym.nsyms * dsz, 6, dsz);
	img_shdr(&sh[6], 1, SHT_STRTAB, strtab, im->sym.strs_len, 0, 0);
	img_shdr(&sh[7], 1, SHT_STRTAB, shstrtab, sizeof(shstr), 0, 0);
	eh->e_shoff = img_put(im, &off, sh, sizeof(sh));
	im->len = off;
}

/* Every rule of elf_syms__lookup, in one file. */
static void img_rules(struct img *im)
{
	img_init(im);
	img_sym(&im->dyn, "dup", STT_FUNC, 1, 0x1290, 1);
	img_sym(&im->dyn, "hid", STT_FUNC, 1, 0x12b0, 2 | VER_HIDDEN);
	img_sym(&im->dyn, "hid", STT_FUNC, 1, 0x12c0, 3);
	img_sym(&im->dyn, "oldonly", STT_FUNC, 1, 0x12d0, 2 | VER_HIDDEN);
	img_sym(&im->sym, "plain", STT_FUNC, 1, 0x1210, 0);
	img_sym(&im->sym, "ver@@V2", STT_FUNC, 1, 0x1220, 0);
	img_sym(&im->sym, "old@V1", STT_FUNC, 1, 0x1230, 0);
	img_sym(&im->sym, "old@@V2", STT_FUNC, 1, 0x1240, 0);
	img_sym(&im->sym, "data", STT_OBJECT, 1, 0x1250, 0);
	img_sym(&im->sym, "undef", STT_FUNC, SHN_UNDEF, 0x1260, 0);
	img_sym(&im->sym, "zero", STT_FUNC, 1, 0, 0);
	img_sym(&im->sym, "outside", STT_FUNC, 1, RO_VADDR + 0x10, 0);
	img_sym(&im->sym, "plain_ex", STT_FUNC, 1, 0x1270, 0);
	img_sym(&im->sym, "ifunc", STT_GNU_IFUNC, 1, 0x1280, 0);
	img_sym(&im->sym, "dup", STT_FUNC, 1, 0x12a0, 0);
	img_sym(&im->sym, "beyond", STT_FUNC, 1, TEXT_VADDR + TEXT_SIZE, 0);
	img_finish(im);
}

TEST(elf_syms_rules)
{
	static const struct {
		const char *name;
		uint64_t off;
	} want[] = {
		{"plain", 0x210},    /* .symtab only */
		{"ver", 0x220},	     /* "ver@@V2" */
		{"old", 0x240},	     /* "old@@V2" beats "old@V1" */
		{"data", 0},	     /* an object */
		{"undef", 0},	     /* undefined */
		{"zero", 0},	     /* no address */
		{"outside", 0},	     /* not in a PF_X segment */
		{"plain_ex", 0x270}, /* not "plain" */
		{"ifunc", 0},	     /* a resolver */
		{"dup", 0x290},	     /* .dynsym first */
		{"hid", 0x2c0},	     /* default beats hidden */
		{"oldonly", 0x2d0},  /* hidden, all there is */
		{"beyond", 0},	     /* past the segment */
		{"ver@@V2", 0},	     /* .symtab names end at '@' */
		{"pla", 0},	     /* not a prefix */
	};
	const size_t n = sizeof(want) / sizeof(want[0]);
	const char *names[sizeof(want) / sizeof(want[0])];
	uint64_t offs[sizeof(want) / sizeof(want[0])];
	static struct img im;
	struct elf_syms *e;

	for (size_t i = 0; i < n; i++)
		names[i] = want[i].name;
	img_rules(&im);
	ASSERT_EQ(elf_syms__open_mem(im.buf, im.len, &e), 0);
	ASSERT_EQ(elf_syms__lookup(e, names, n, offs), 7);
	for (size_t i = 0; i < n; i++) {
		if (offs[i] != want[i].off)
			test__fail(__FILE__, __LINE__,
				   "%s: 0x%" PRIx64 " != 0x%" PRIx64, names[i],
				   offs[i], want[i].off);
	}
	/* the tables are kept: the same answer again, and a subset */
	ASSERT_EQ(elf_syms__lookup(e, names + 1, 2, offs), 2);
	ASSERT_EQ(offs[0], 0x220);
	ASSERT_EQ(offs[1], 0x240);
	ASSERT_EQ(elf_syms__lookup(e, names, 0, NULL), 0);
	elf_syms__close(e);
}

TEST(elf_syms_bad_arguments)
{
	const char *many[ELF_SYMS_MAX_NAMES + 1];
	const char *empty[] = {"plain", ""};
	uint64_t offs[ELF_SYMS_MAX_NAMES + 1];
	static struct img im;
	struct elf_syms *e;

	img_rules(&im);
	for (size_t i = 0; i <= ELF_SYMS_MAX_NAMES; i++)
		many[i] = "plain";
	ASSERT_EQ(elf_syms__open_mem(im.buf, im.len, &e), 0);
	ASSERT_EQ(elf_syms__lookup(e, many, ELF_SYMS_MAX_NAMES, offs),
		  ELF_SYMS_MAX_NAMES);
	ASSERT_EQ(offs[ELF_SYMS_MAX_NAMES - 1], 0x210);
	ASSERT_EQ(elf_syms__lookup(e, many, ELF_SYMS_MAX_NAMES + 1, offs),
		  -E2BIG);
	ASSERT_EQ(elf_syms__lookup(e, empty, 2, offs), -EINVAL);
	ASSERT_EQ(elf_syms__lookup(e, many, 1, NULL), -EINVAL);
	ASSERT_EQ(elf_syms__lookup(NULL, many, 1, offs), -EINVAL);
	elf_syms__close(e);
	elf_syms__close(NULL);
	ASSERT_EQ(elf_syms__open_mem(NULL, 10, &e), -EINVAL);
	ASSERT_EQ(elf_syms__open_mem(im.buf, 0, &e), -EINVAL);
	ASSERT_EQ(elf_syms__open(NULL, &e), -EINVAL);
}

/* The section headers come last: a file cut anywhere is refused. */
TEST(elf_syms_truncated_image)
{
	static struct img im;
	struct elf_syms *e;

	img_rules(&im);
	for (size_t cut = 1; cut < im.len; cut++) {
		if (elf_syms__open_mem(im.buf, cut, &e) != -ENOEXEC) {
			test__fail(__FILE__, __LINE__, "cut at %zu opened",
				   cut);
			return;
		}
		ASSERT_TRUE(e == NULL);
	}
	ASSERT_EQ(elf_syms__open_mem(im.buf, im.len, &e), 0);
	elf_syms__close(e);
}

TEST(elf_syms_junk_rejected)
{
	char path[] = "/tmp/spantap-elfsyms-XXXXXX";
	static const char junk[] = "#!/bin/sh\necho not an ELF file\n";
	static struct img im;
	struct elf_syms *e;
	int fd;

	ASSERT_EQ(elf_syms__open_mem(junk, sizeof(junk), &e), -ENOEXEC);
	ASSERT_TRUE(e == NULL);
	/* an ELF file of another type: a relocatable object */
	img_rules(&im);
	((Elf64_Ehdr *)im.buf)->e_type = ET_REL;
	ASSERT_EQ(elf_syms__open_mem(im.buf, im.len, &e), -ENOEXEC);

	ASSERT_EQ(elf_syms__open("/nonexistent/libssl.so.3", &e), -ENOENT);
	ASSERT_EQ(elf_syms__open("/dev/null", &e), -ENOEXEC);
	ASSERT_EQ(elf_syms__open("/proc/self", &e), -ENOEXEC);
	fd = mkstemp(path);
	ASSERT_TRUE(fd >= 0);
	ASSERT_EQ(write(fd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
	close(fd);
	ASSERT_EQ(elf_syms__open(path, &e), -ENOEXEC);
	unlink(path);
}

/* Program headers up to the cap are read; one more and the file is refused */
TEST(elf_syms_phdr_cap)
{
	static const char *const names[] = {"plain"};
	const size_t phsz = sizeof(Elf64_Phdr);
	static uint8_t
		big[IMG_SIZE + (ELF_SYMS_MAX_PHDRS + 1) * sizeof(Elf64_Phdr)]
		__attribute__((aligned(8)));
	Elf64_Ehdr *eh = (Elf64_Ehdr *)big;
	static struct img im;
	struct elf_syms *e;
	uint64_t off;

	img_rules(&im);
	memcpy(big, im.buf, IMG_SIZE);
	/* the text segment first, then PT_NULL ones, past the image */
	memcpy(big + IMG_SIZE, big + eh->e_phoff, phsz);
	memset(big + IMG_SIZE + phsz, 0, ELF_SYMS_MAX_PHDRS * phsz);
	eh->e_phoff = IMG_SIZE;
	eh->e_phnum = ELF_SYMS_MAX_PHDRS;
	ASSERT_EQ(elf_syms__open_mem(big, sizeof(big), &e), 0);
	ASSERT_EQ(elf_syms__lookup(e, names, 1, &off), 1);
	ASSERT_EQ(off, 0x210);
	elf_syms__close(e);
	eh->e_phnum = ELF_SYMS_MAX_PHDRS + 1;
	ASSERT_EQ(elf_syms__open_mem(big, sizeof(big), &e), -E2BIG);
}

static int read_file(const char *path, uint8_t *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = pread(fd, buf, len, 0);
	close(fd);
	return n == (ssize_t)len ? 0 : -EIO;
}

/* The start of a real library: its headers, but not its section headers. */
TEST(elf_syms_libssl_cut_short)
{
	static uint8_t buf[4096];
	struct elf_syms *e;

	ASSERT_EQ(read_file(LIBSSL, buf, sizeof(buf)), 0);
	ASSERT_EQ(elf_syms__open_mem(buf, sizeof(buf), &e), -ENOEXEC);
	ASSERT_EQ(elf_syms__open_mem(buf, sizeof(Elf64_Ehdr), &e), -ENOEXEC);
	ASSERT_EQ(elf_syms__open_mem(buf, 16, &e), -ENOEXEC);
}

struct loaded {
	uintptr_t addr; /* an address in the object wanted */
	uintptr_t bias; /* load address minus link-time address */
	const ElfW(Phdr) * phdr;
	size_t phnum;
};

static int find_loaded(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct loaded *l = arg;

	for (size_t i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t start = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_LOAD && l->addr >= start &&
		    l->addr - start < ph->p_memsz) {
			l->bias = info->dlpi_addr;
			l->phdr = info->dlpi_phdr;
			l->phnum = info->dlpi_phnum;
			return 1;
		}
	}
	return 0;
}

/* Where the loader's program headers put a link-time address in the file */
static uint64_t loaded_off(const struct loaded *l, uint64_t vaddr)
{
	for (size_t i = 0; i < l->phnum; i++) {
		const ElfW(Phdr) *ph = &l->phdr[i];

		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) &&
		    vaddr >= ph->p_vaddr && vaddr - ph->p_vaddr < ph->p_filesz)
			return vaddr - ph->p_vaddr + ph->p_offset;
	}
	return 0;
}

/*
 * The code at the offset found in the file must be the code the loader
 * mapped at addr, and the offset what the loader's own headers give.
 */
static bool code_matches(const char *path, uint64_t off, const void *addr,
			 const char *name)
{
	struct loaded l = {.addr = (uintptr_t)addr};
	uint8_t code[16];
	bool ok;
	int fd;

	if (!dl_iterate_phdr(find_loaded, &l)) {
		test__fail(__FILE__, __LINE__, "%s: %p not loaded", name, addr);
		return false;
	}
	if (loaded_off(&l, (uintptr_t)addr - l.bias) != off) {
		test__fail(__FILE__, __LINE__,
			   "%s: offset 0x%" PRIx64 ", loader says 0x%" PRIx64,
			   name, off, loaded_off(&l, (uintptr_t)addr - l.bias));
		return false;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ok = fd >= 0 && pread(fd, code, sizeof(code), off) == sizeof(code) &&
	     !memcmp(code + 1, (const uint8_t *)addr + 1, sizeof(code) - 1);
	/*
	 * A uprobe on the function (a spantap running on this host) puts
	 * an int3 over its first byte in every process that maps the file
	 */
	ok = ok && (code[0] == *(const uint8_t *)addr ||
		    *(const uint8_t *)addr == 0xcc);
	if (fd >= 0)
		close(fd);
	if (!ok)
		test__fail(__FILE__, __LINE__,
			   "%s: file bytes at 0x%" PRIx64 " are not its code",
			   name, off);
	return ok;
}

static bool have_libssl(void)
{
	if (!access(LIBSSL, R_OK))
		return true;
	test__fail(__FILE__, __LINE__, "%s: %s (libssl3 is a test dependency)",
		   LIBSSL, strerror(errno));
	return false;
}

TEST(elf_syms_libssl_matches_loader)
{
	static const char *const names[] = {"SSL_read", "SSL_write",
					    "SSL_read_ex", "SSL_write_ex"};
	char real_want[PATH_MAX], real_got[PATH_MAX];
	struct elf_syms *e;
	uint64_t offs[4];
	Dl_info info;
	void *h;

	if (!have_libssl())
		return;
	ASSERT_EQ(elf_syms__open(LIBSSL, &e), 0);
	ASSERT_EQ(elf_syms__lookup(e, names, 4, offs), 4);
	elf_syms__close(e);
	h = dlopen("libssl.so.3", RTLD_NOW | RTLD_LOCAL);
	ASSERT_TRUE(h != NULL);
	for (size_t i = 0; i < 4; i++) {
		void *addr = dlsym(h, names[i]);

		ASSERT_TRUE(addr != NULL);
		/* the loader's libssl must be the file looked at */
		ASSERT_TRUE(dladdr(addr, &info) && info.dli_fname);
		ASSERT_TRUE(realpath(LIBSSL, real_want) &&
			    realpath(info.dli_fname, real_got));
		ASSERT_STREQ(real_got, real_want);
		if (!code_matches(LIBSSL, offs[i], addr, names[i]))
			break;
	}
	dlclose(h);
}

TEST(elf_syms_missing_name_not_counted)
{
	static const char *const names[] = {"SSL_read", "spantap_no_such_fn",
					    "SSL_write", "SSL_rea"};
	struct elf_syms *e;
	uint64_t offs[4];

	if (!have_libssl())
		return;
	ASSERT_EQ(elf_syms__open(LIBSSL, &e), 0);
	ASSERT_EQ(elf_syms__lookup(e, names, 4, offs), 2);
	elf_syms__close(e);
	ASSERT_TRUE(offs[0] != 0);
	ASSERT_EQ(offs[1], 0);
	ASSERT_TRUE(offs[2] != 0 && offs[2] != offs[0]);
	ASSERT_EQ(offs[3], 0);
}

/*
 * Only in .symtab: static, so not exported to .dynsym. Called through a
 * pointer only, so the compiler keeps it whole under its own name.
 */
__attribute__((noinline, used)) static int elf_syms_local_fn(int x)
{
	return x * 7 + 3;
}

static int (*volatile local_fn_ptr)(int) = elf_syms_local_fn;

TEST(elf_syms_symtab_of_this_binary)
{
	static const char *const names[] = {"elf_syms_local_fn"};
	char exe[PATH_MAX];
	struct elf_syms *e;
	uint64_t off;

	ASSERT_EQ(local_fn_ptr(1), 10);
	ASSERT_TRUE(realpath("/proc/self/exe", exe));
	ASSERT_EQ(elf_syms__open(exe, &e), 0);
	ASSERT_EQ(elf_syms__lookup(e, names, 1, &off), 1);
	elf_syms__close(e);
	code_matches(exe, off, (const void *)(uintptr_t)local_fn_ptr, names[0]);
}

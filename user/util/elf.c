// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/elf.h"

/* More sections than this is not an executable we care about */
#define ELF_MAX_SECTIONS 4096

/* Where the file's bytes come from: memory, or a file descriptor. */
struct src {
	const uint8_t *mem;
	int fd;
	uint64_t size;
};

static int src_read(const struct src *s, uint64_t off, void *dst, size_t n)
{
	if (off > s->size || n > s->size - off)
		return -EINVAL;
	if (s->mem) {
		memcpy(dst, s->mem + off, n);
		return 0;
	}
	while (n) {
		ssize_t r = pread(s->fd, dst, n, off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -EIO;
		dst = (uint8_t *)dst + r;
		off += r;
		n -= r;
	}
	return 0;
}

static int has_section(const struct src *s, const char *name)
{
	static char names[ELF_SHSTRTAB_MAX];
	size_t want = strlen(name) + 1;
	Elf64_Ehdr eh;
	Elf64_Shdr sh;
	uint64_t shoff;

	if (src_read(s, 0, &eh, sizeof(eh)) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh.e_shentsize != sizeof(Elf64_Shdr) ||
	    eh.e_shnum > ELF_MAX_SECTIONS || eh.e_shstrndx >= eh.e_shnum)
		return -EINVAL;
	shoff = eh.e_shoff;
	/* the section name table, bounded, then every section's name */
	if (src_read(s, shoff + (uint64_t)eh.e_shstrndx * sizeof(sh), &sh,
		     sizeof(sh)))
		return -EINVAL;
	if (sh.sh_size > sizeof(names) || sh.sh_size < want ||
	    src_read(s, sh.sh_offset, names, sh.sh_size))
		return 0;
	for (uint16_t i = 0; i < eh.e_shnum; i++) {
		Elf64_Shdr h;

		if (src_read(s, shoff + (uint64_t)i * sizeof(h), &h, sizeof(h)))
			return -EINVAL;
		if (h.sh_name < sh.sh_size && sh.sh_size - h.sh_name >= want &&
		    !memcmp(names + h.sh_name, name, want))
			return 1;
	}
	return 0;
}

int elf__has_section_mem(const void *buf, size_t len, const char *name)
{
	struct src s = {.mem = buf, .fd = -1, .size = len};

	return has_section(&s, name);
}

int elf__has_section_fd(int fd, const char *name)
{
	struct stat st;
	struct src s = {.fd = fd};

	if (fstat(fd, &st) || st.st_size < 0)
		return -EINVAL;
	s.size = st.st_size;
	return has_section(&s, name);
}

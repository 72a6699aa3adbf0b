// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* ELF section lookup: a hand-made file, the test binary itself, junk. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "test.h"
#include "util/elf.h"

/* Header, then the name table, then three section headers. */
static size_t make_elf(uint8_t *buf, const char *section)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;
	char *names = (char *)buf + sizeof(*eh);
	size_t nlen, off;
	Elf64_Shdr *sh;

	memset(buf, 0, 512);
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_shentsize = sizeof(Elf64_Shdr);
	eh->e_shnum = 3;
	eh->e_shstrndx = 1;
	/* "\0.shstrtab\0<section>\0" */
	nlen = 1 + sizeof(".shstrtab") + strlen(section) + 1;
	memcpy(names + 1, ".shstrtab", sizeof(".shstrtab"));
	memcpy(names + 1 + sizeof(".shstrtab"), section, strlen(section) + 1);
	off = (sizeof(*eh) + nlen + 7) & ~7UL;
	eh->e_shoff = off;
	sh = (Elf64_Shdr *)(buf + off);
	sh[1].sh_name = 1;
	sh[1].sh_offset = sizeof(*eh);
	sh[1].sh_size = nlen;
	sh[2].sh_name = 1 + sizeof(".shstrtab");
	return off + 3 * sizeof(Elf64_Shdr);
}

TEST(elf_section_found)
{
	static uint8_t buf[512];
	size_t n = make_elf(buf, ".go.buildinfo");

	ASSERT_EQ(elf__has_section_mem(buf, n, ".go.buildinfo"), 1);
	ASSERT_EQ(elf__has_section_mem(buf, n, ".shstrtab"), 1);
	ASSERT_EQ(elf__has_section_mem(buf, n, ".go.build"), 0);
	ASSERT_EQ(elf__has_section_mem(buf, n, ".text"), 0);
}

TEST(elf_prefix_of_a_name_is_not_a_match)
{
	static uint8_t buf[512];
	size_t n = make_elf(buf, ".go.buildinfo.extra");

	ASSERT_EQ(elf__has_section_mem(buf, n, ".go.buildinfo"), 0);
}

TEST(elf_truncated_and_junk_rejected)
{
	static uint8_t buf[512];
	size_t n = make_elf(buf, ".go.buildinfo");

	for (size_t cut = 0; cut < n; cut++)
		ASSERT_TRUE(elf__has_section_mem(buf, cut, ".go.buildinfo") <=
			    0);
	ASSERT_EQ(elf__has_section_mem("#!/bin/sh\n", 10, ".text"), -EINVAL);
	((Elf64_Ehdr *)buf)->e_shstrndx = 7; /* past e_shnum */
	ASSERT_EQ(elf__has_section_mem(buf, n, ".shstrtab"), -EINVAL);
}

TEST(elf_this_binary_is_not_go)
{
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);

	ASSERT_TRUE(fd >= 0);
	ASSERT_EQ(elf__has_section_fd(fd, ".text"), 1);
	ASSERT_EQ(elf__has_section_fd(fd, ".go.buildinfo"), 0);
	close(fd);
}

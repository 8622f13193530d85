// SPDX-License-Identifier: MIT
/*
 * gdb's JIT interface (gdb/jit.h of the gdb sources): gdb sets a breakpoint
 * on __jit_debug_register_code() and, each time it is called, reads the
 * symbol file __jit_debug_descriptor points at from our memory.  The
 * interface is one list per process, so it has one lock; the library
 * (libjitmem) keeps no global state and leaves this to the JIT.
 *
 * The symbol file is the least gdb's ELF reader takes: a .text section
 * without contents at the code's address (gdb reads the code from memory)
 * and a symbol table with one function.
 */
#include <elf.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "gdbjit.h"

enum { JIT_NOACTION, JIT_REGISTER_FN, JIT_UNREGISTER_FN };

struct jit_code_entry {
	struct jit_code_entry *next_entry;
	struct jit_code_entry *prev_entry;
	const char *symfile_addr;
	uint64_t symfile_size;
};

struct jit_descriptor {
	uint32_t version;
	uint32_t action_flag;
	struct jit_code_entry *relevant_entry;
	struct jit_code_entry *first_entry;
};

/* The names and the layout are gdb's; gdb finds them by symbol. */
struct jit_descriptor __jit_debug_descriptor = { 1, JIT_NOACTION, NULL, NULL };

void __attribute__((noinline, used)) __jit_debug_register_code(void);
void __attribute__((noinline, used)) __jit_debug_register_code(void)
{
	__asm__ volatile("" ::: "memory");
}

static pthread_mutex_t gdbjit_lock = PTHREAD_MUTEX_INITIALIZER;

enum { SH_NULL, SH_TEXT, SH_SYMTAB, SH_STRTAB, SH_SHSTRTAB, SH_NUM };

static const char shstrtab[] = "\0.text\0.symtab\0.strtab\0.shstrtab";

struct gdbjit_entry {
	struct jit_code_entry e;
	size_t len;
	unsigned char elf[];	/* Ehdr, Shdr[SH_NUM], Sym[2], strtab, shstrtab */
};

static void gdbjit_notify(struct gdbjit_entry *g, uint32_t action)
{
	__jit_debug_descriptor.relevant_entry = &g->e;
	__jit_debug_descriptor.action_flag = action;
	__jit_debug_register_code();
}

struct gdbjit_entry *gdbjit_register(const char *name, uintptr_t addr, size_t size)
{
	size_t namelen = strlen(name) + 1;
	size_t off_sh = sizeof(Elf64_Ehdr), off_sym = off_sh + SH_NUM * sizeof(Elf64_Shdr);
	size_t off_str = off_sym + 2 * sizeof(Elf64_Sym), off_shstr = off_str + 1 + namelen;
	size_t len = off_shstr + sizeof(shstrtab);
	struct gdbjit_entry *g = calloc(1, sizeof(*g) + len);
	Elf64_Ehdr *eh;
	Elf64_Shdr *sh;
	Elf64_Sym *sym;

	if (!g)
		return NULL;
	eh = (Elf64_Ehdr *)g->elf;
	sh = (Elf64_Shdr *)(g->elf + off_sh);
	sym = (Elf64_Sym *)(g->elf + off_sym);
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_ident[EI_OSABI] = ELFOSABI_SYSV;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = addr;
	eh->e_ehsize = sizeof(*eh);
	eh->e_shoff = off_sh;
	eh->e_shentsize = sizeof(*sh);
	eh->e_shnum = SH_NUM;
	eh->e_shstrndx = SH_SHSTRTAB;

	sh[SH_TEXT] = (Elf64_Shdr){
		.sh_name = 1, .sh_type = SHT_NOBITS, .sh_flags = SHF_ALLOC | SHF_EXECINSTR,
		.sh_addr = addr, .sh_offset = off_sym, .sh_size = size, .sh_addralign = 16,
	};
	sh[SH_SYMTAB] = (Elf64_Shdr){
		.sh_name = 7, .sh_type = SHT_SYMTAB, .sh_offset = off_sym,
		.sh_size = 2 * sizeof(*sym), .sh_link = SH_STRTAB, .sh_info = 1,
		.sh_addralign = 8, .sh_entsize = sizeof(*sym),
	};
	sh[SH_STRTAB] = (Elf64_Shdr){
		.sh_name = 15, .sh_type = SHT_STRTAB, .sh_offset = off_str,
		.sh_size = 1 + namelen, .sh_addralign = 1,
	};
	sh[SH_SHSTRTAB] = (Elf64_Shdr){
		.sh_name = 23, .sh_type = SHT_STRTAB, .sh_offset = off_shstr,
		.sh_size = sizeof(shstrtab), .sh_addralign = 1,
	};
	sym[1] = (Elf64_Sym){
		.st_name = 1, .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC),
		.st_shndx = SH_TEXT, .st_value = addr, .st_size = size,
	};
	memcpy(g->elf + off_str + 1, name, namelen);
	memcpy(g->elf + off_shstr, shstrtab, sizeof(shstrtab));

	g->len = len;
	g->e.symfile_addr = (const char *)g->elf;
	g->e.symfile_size = len;

	pthread_mutex_lock(&gdbjit_lock);
	g->e.next_entry = __jit_debug_descriptor.first_entry;
	if (g->e.next_entry)
		g->e.next_entry->prev_entry = &g->e;
	__jit_debug_descriptor.first_entry = &g->e;
	gdbjit_notify(g, JIT_REGISTER_FN);
	pthread_mutex_unlock(&gdbjit_lock);
	return g;
}

void gdbjit_unregister(struct gdbjit_entry *g)
{
	if (!g)
		return;
	pthread_mutex_lock(&gdbjit_lock);
	if (g->e.prev_entry)
		g->e.prev_entry->next_entry = g->e.next_entry;
	else
		__jit_debug_descriptor.first_entry = g->e.next_entry;
	if (g->e.next_entry)
		g->e.next_entry->prev_entry = g->e.prev_entry;
	gdbjit_notify(g, JIT_UNREGISTER_FN);
	pthread_mutex_unlock(&gdbjit_lock);
	free(g);
}

/* SPDX-License-Identifier: MIT */
/*
 * gdb's JIT interface: each function the JIT installs is described to gdb
 * by an in-memory ELF file with one symbol, so that breakpoints by name
 * (hbreak expr_1), bt and info symbol know JIT'd code.  See the gdb manual,
 * "JIT Compilation Interface".
 */
#ifndef GDBJIT_H
#define GDBJIT_H

#include <stddef.h>
#include <stdint.h>

struct gdbjit_entry;

/* NULL when out of memory: the code then runs unnamed, nothing else changes. */
struct gdbjit_entry *gdbjit_register(const char *name, uintptr_t addr, size_t size);
void gdbjit_unregister(struct gdbjit_entry *e);

#endif

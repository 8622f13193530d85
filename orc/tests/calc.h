/* SPDX-License-Identifier: MIT OR LGPL-2.1 */
/* The functions of progs/calc.c, JIT'd or native. */
#ifndef JITMEM_ORC_CALC_H
#define JITMEM_ORC_CALC_H

#include <cstddef>
#include <cstdint>

struct Calc {
	long (*fib)(long);
	long (*ackermann)(long, long);
	long (*bump)(long);
	long (*table)(long);
	uint32_t (*crc32)(const char *);
	long (*format)(char *, size_t, long);
	double (*basel)(int);
	double (*horner)(double);
	long (*sorted)(long);
	long (*apply)(long);
	long (*(*get_square)(void))(long);
	long *counter;
};

/* X(member, "name") for each member of s. */
#define CALC_FNS(X, s)                                                                        \
	X(s.fib, "fib"); X(s.ackermann, "ackermann"); X(s.bump, "bump"); X(s.table, "table"); \
	X(s.crc32, "crc32"); X(s.format, "format"); X(s.basel, "basel");                      \
	X(s.horner, "horner"); X(s.sorted, "sorted"); X(s.apply, "apply");                    \
	X(s.get_square, "get_square"); X(s.counter, "counter")

/* calc_test.cpp */
Calc nativeCalc();
/* Same results from both; stateful: also bump() and the counter (not thread-safe). */
bool compareCalc(const Calc &jit, const Calc &nat, bool stateful);
/* Looks PFX-prefixed calc.c symbols up in JD. */
bool lookupCalc(llvm::orc::LLJIT &J, llvm::orc::JITDylib &JD, const std::string &pfx, Calc &c);
bool noWX(const std::vector<MapLine> &maps);
bool codeFromJitmem(const std::vector<MapLine> &maps, const void *p, const char *what);

#endif

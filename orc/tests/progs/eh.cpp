// SPDX-License-Identifier: MIT
/*
 * C++ exceptions through JIT'd frames: compiled -DPFX=obj_ to an object and
 * -DPFX=jit_ to bitcode.
 */
#include <cstring>
#include <stdexcept>

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define F(name) CAT(PFX, name)

/* In the test program: a native frame between JIT'd ones. */
extern "C" long orc_test_native_frame(long (*fn)(long), long x);

namespace {
struct Boom {
	long value;
};

struct Guard {
	long *count;
	~Guard() { ++*count; }
};
} // namespace

static long unwound;

/* Throws a type of its own (x > 2) or the library's (x < 0). */
extern "C" long F(thrower)(long x)
{
	Guard g{&unwound};

	if (x > 2)
		throw Boom{x};
	if (x < 0)
		throw std::runtime_error("negative input");
	return x;
}

/* Catches, in JIT'd code, what JIT'd code threw through a native frame. */
extern "C" long F(catch_across)(long x)
{
	try {
		return orc_test_native_frame(F(thrower), x);
	} catch (const Boom &b) {
		return 1000 + b.value;
	} catch (const std::exception &e) {
		return -(long)std::strlen(e.what());
	}
}

/* Rethrown at every level of a recursion. */
extern "C" long F(nested)(long depth)
{
	if (!depth)
		throw Boom{0};
	try {
		return F(nested)(depth - 1);
	} catch (Boom &b) {
		b.value = b.value * 10 + depth;
		throw;
	}
}

extern "C" long F(catch_nested)(long depth)
{
	try {
		return F(nested)(depth);
	} catch (const Boom &b) {
		return b.value;
	}
}

extern "C" long F(unwound)(void)
{
	return unwound;
}

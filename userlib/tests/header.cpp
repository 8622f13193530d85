// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * jitmem.h from C++: every type by its plain name, no `struct` needed, the
 * API used on the userspace backend.  Built and run by tests/header-check.
 */
#include <jitmem.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			std::printf("# %s:%d: failed: %s\n", __FILE__, __LINE__, #cond); \
			return 1;					\
		}							\
	} while (0)

static int count(void *arg, jitmem_result *)
{
	++*static_cast<int *>(arg);
	return 0;
}

int main()
{
	jitmem *m = nullptr;
	jitmem_stats st = {};
	jitmem_segment seg = {};
	jitmem_init_request req = {};
	jitmem_action_pair pair = {};
	jitmem_seg_request sreq = {};
	jitmem_alloc *a = nullptr;
	void *slab, *key, *fin;
	int deallocs = 0;

	static_assert(JITMEM_VERSION == JITMEM_VERSION_CODE(JITMEM_VERSION_MAJOR,
							    JITMEM_VERSION_MINOR,
							    JITMEM_VERSION_PATCH), "version");
	CHECK(jitmem_version() >= JITMEM_VERSION_CODE(1, 0, 0));
	CHECK(jitmem_open(&m, JITMEM_OPEN_USERSPACE) == 0);
	CHECK(jitmem_reserve(m, 1 << 20, &slab) == 0);
	seg.addr = slab;
	seg.size = jitmem_page_size(m);
	seg.group = JITMEM_PROT_R;
	pair.dealloc.fn = count;
	pair.dealloc.arg = &deallocs;
	req.segments = &seg;
	req.nsegments = 1;
	req.actions = &pair;
	req.nactions = 1;
	CHECK(jitmem_initialize(m, &req, &key) == 0);
	CHECK(jitmem_get_stats(m, &st) == 0);
	CHECK(st.regions == 1 && st.bytes_r == seg.size);
	CHECK(jitmem_deinitialize(m, key) == 0);
	CHECK(deallocs == 1);
	sreq.group = JITMEM_PROT_R | JITMEM_PROT_W;
	sreq.size = 100;
	CHECK(jitmem_allocate(m, &sreq, 1, &a) == 0);
	std::memset(jitmem_alloc_working(a, 0), 'c', 100);
	CHECK(jitmem_alloc_finalize(a, nullptr, 0, &fin, NULL) == 0);
	CHECK(static_cast<char *>(fin)[99] == 'c');
	CHECK(jitmem_deallocate(m, &fin, 1, NULL) == 0);
	jitmem_close(m);
	std::printf("# C++: jitmem %u.%u.%u\n", jitmem_version() >> 16,
		    (jitmem_version() >> 8) & 0xff, jitmem_version() & 0xff);
	return 0;
}

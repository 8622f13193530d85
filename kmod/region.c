// SPDX-License-Identifier: GPL-2.0-only
/*
 * Regions: the segments of one INITIALIZE request.
 *
 * A request is validated as a whole and its key written back before any
 * lock is taken.  Then, under ctx->lock: a plan of the pages it touches
 * (those the context has, of the same protection, or new ones); new pages
 * allocated and filled, their table slots reserved; the protection changes
 * it needs (protect.c); and, under mmap_lock (for reading, so no fork() can
 * start) and map_lock, the content written into the pages the context
 * already had, through the kernel's mapping with page faults disabled, and
 * everything published.  Any failure undoes all of it.  A request that only
 * writes into pages the context has, mapped as it needs (a JIT publishing
 * into space it freed), does all of that in one hold of the locks.
 *
 * A region goes (jitmem_region_drop()) when it is deinitialized, when any
 * of its segments loses its mapping (munmap(), MAP_FIXED over it, mremap()
 * shrink, RELEASE, exit), or with the context.
 */
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pagemap.h>
#include <linux/personality.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/uaccess.h>

#include <asm/cacheflush.h>

#include "jitmem.h"

static bool jitmem_granule_aligned(u64 v)
{
	return IS_ALIGNED(v, JITMEM_GRANULE);
}

static int jitmem_seg_check(const struct jitmem_init_segment *s)
{
	u8 prot = s->group & JITMEM_GROUP_PROT;

	if (memchr_inv(s->__reserved, 0, sizeof(s->__reserved)) ||
	    s->group & ~JITMEM_GROUP_ALL)
		return -EINVAL;
	if ((prot & (JITMEM_GROUP_W | JITMEM_GROUP_X)) ==
	    (JITMEM_GROUP_W | JITMEM_GROUP_X)) {
		jitmem_stats_refused(JITMEM_REFUSED_WX);
		return -EPERM;
	}
	if (!(prot & JITMEM_GROUP_R))
		return -EINVAL;
	if (!s->length || !jitmem_granule_aligned(s->addr) ||
	    !jitmem_granule_aligned(s->length) ||
	    s->addr + s->length < s->addr || s->addr + s->length > TASK_SIZE)
		return -EINVAL;
	if (s->content_size > s->length)
		return -EINVAL;
	return 0;
}

static int jitmem_seg_cmp(const void *a, const void *b)
{
	const struct jitmem_init_segment *x = a, *y = b;

	if (x->addr == y->addr)
		return 0;
	return x->addr < y->addr ? -1 : 1;
}

/*
 * Validate the request alone; sorts it by address.  Segments may not
 * overlap, and segments of one request that share a page must share its
 * protection.
 */
static int jitmem_request_check(struct jitmem_init_segment *ks, unsigned int n)
{
	bool standard = false;
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = jitmem_seg_check(&ks[i]);
		if (ret)
			return ret;
		if (!(ks[i].group & JITMEM_GROUP_FINALIZE))
			standard = true;
	}
	if (!standard)
		return -EINVAL;
	sort(ks, n, sizeof(*ks), jitmem_seg_cmp, NULL);
	for (i = 1; i < n; i++) {
		u64 prev_end = ks[i - 1].addr + ks[i - 1].length;

		if (ks[i].addr < prev_end)
			return -EINVAL;
		if ((ks[i].addr & PAGE_MASK) == ((prev_end - 1) & PAGE_MASK) &&
		    jitmem_group_perms(ks[i].group) !=
		    jitmem_group_perms(ks[i - 1].group))
			return -EINVAL;
	}
	return 0;
}

static struct jitmem_region *jitmem_region_new(const struct jitmem_init_segment *ks,
					       unsigned int n)
{
	struct jitmem_region *r;
	unsigned int i;

	r = kzalloc(struct_size(r, segs, n), GFP_KERNEL_ACCOUNT);
	if (!r)
		return NULL;
	r->nsegs = n;
	r->key = ULONG_MAX;
	for (i = 0; i < n; i++) {
		struct jitmem_seg *seg = &r->segs[i];

		seg->r.start = ks[i].addr;
		seg->r.end = ks[i].addr + ks[i].length;
		RB_CLEAR_NODE(&seg->r.rb);
		seg->group = ks[i].group;
		seg->region = r;
		seg->content = u64_to_user_ptr(ks[i].content);
		seg->content_size = ks[i].content_size;
		if (!(seg->group & JITMEM_GROUP_FINALIZE))
			r->key = min(r->key, seg->r.start);
	}
	return r;
}

/* A page a request touches, and where its content goes. */
struct jitmem_plan_page {
	unsigned long addr;
	u8 prot;
	unsigned int bytes;		/* of the request's segments in it */
	struct jitmem_page *jp;		/* the context's page, or NULL */
	struct jitmem_page *fresh;	/* a new page, its slot reserved */
	struct page *page;		/* where content goes (a reference) */
};

/* What a small request (the common JIT function) needs, on the stack. */
#define JITMEM_PLAN_INLINE	4

struct jitmem_plan {
	struct jitmem_region *r;
	unsigned int npages;
	struct jitmem_plan_page *pages;
	struct jitmem_slab **slabs;	/* each segment's, referenced */
	struct jitmem_protect pr;
	struct jitmem_plan_page inline_pages[JITMEM_PLAN_INLINE];
	struct jitmem_slab *inline_slabs[JITMEM_PLAN_INLINE];
};

static unsigned int jitmem_plan_count(const struct jitmem_region *r)
{
	unsigned long last = ULONG_MAX;
	unsigned int i, n = 0;

	for (i = 0; i < r->nsegs; i++) {
		unsigned long a = r->segs[i].r.start & PAGE_MASK;
		unsigned long e = PAGE_ALIGN(r->segs[i].r.end);

		n += (e - a) >> PAGE_SHIFT;
		if (a == last)
			n--;
		last = e - PAGE_SIZE;
	}
	return n;
}

static int jitmem_plan_init(struct jitmem_plan *pl, struct jitmem_region *r)
{
	unsigned int i, n = 0;
	struct jitmem_plan_page *p = NULL;

	pl->r = r;
	pl->npages = jitmem_plan_count(r);
	if (pl->npages <= JITMEM_PLAN_INLINE)
		pl->pages = pl->inline_pages;
	else
		pl->pages = kvcalloc(pl->npages, sizeof(*pl->pages),
				     GFP_KERNEL_ACCOUNT);
	if (r->nsegs <= JITMEM_PLAN_INLINE)
		pl->slabs = pl->inline_slabs;
	else
		pl->slabs = kcalloc(r->nsegs, sizeof(*pl->slabs),
				    GFP_KERNEL_ACCOUNT);
	if (!pl->pages || !pl->slabs)
		return -ENOMEM;
	for (i = 0; i < r->nsegs; i++) {
		const struct jitmem_seg *seg = &r->segs[i];
		unsigned long a;

		for (a = seg->r.start & PAGE_MASK; a < seg->r.end; a += PAGE_SIZE) {
			if (!p || p->addr != a) {
				p = &pl->pages[n++];
				p->addr = a;
				p->prot = jitmem_group_prot(seg->group);
			}
			p->bytes += min(seg->r.end, a + PAGE_SIZE) -
				    max(seg->r.start, a);
		}
	}
	return 0;
}

static void jitmem_plan_destroy(struct jitmem_ctx *ctx, struct jitmem_plan *pl)
{
	unsigned int i;

	for (i = 0; pl->pages && i < pl->npages; i++) {
		struct jitmem_plan_page *p = &pl->pages[i];

		if (p->fresh) {
			jitmem_page_destroy(p->fresh);
			jitmem_page_unreserve(ctx, p->addr);
		} else if (p->page) {
			put_page(p->page);
		}
	}
	for (i = 0; pl->slabs && i < pl->r->nsegs; i++)
		if (pl->slabs[i])
			jitmem_slab_put(pl->slabs[i]);
	if (pl->pages != pl->inline_pages)
		kvfree(pl->pages);
	if (pl->slabs != pl->inline_slabs)
		kfree(pl->slabs);
	jitmem_protect_free(&pl->pr);
}

static struct jitmem_plan_page *jitmem_plan_find(struct jitmem_plan *pl,
						 unsigned long addr)
{
	unsigned int lo = 0, hi = pl->npages;

	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;

		if (pl->pages[mid].addr < (addr & PAGE_MASK))
			lo = mid + 1;
		else
			hi = mid;
	}
	return &pl->pages[lo];
}

/* Which of the context's pages the request writes into, in one walk. */
static int jitmem_plan_lookup(struct jitmem_ctx *ctx, struct jitmem_plan *pl)
{
	XA_STATE(xas, &ctx->pages, 0);
	unsigned int i;
	int ret = 0;

	rcu_read_lock();
	for (i = 0; i < pl->npages; i++) {
		struct jitmem_plan_page *p = &pl->pages[i];
		struct jitmem_page *jp = jitmem_page_at(&xas, p->addr);

		if (jp && jp->prot != p->prot) {
			/* An empty page goes with the protection change. */
			if (jp->users) {
				ret = -EBUSY;
				break;
			}
			continue;
		}
		if (jp) {
			p->jp = jp;
			p->page = jp->page;
			get_page(p->page);
		}
	}
	rcu_read_unlock();
	return ret;
}

/*
 * Checks against the context's state, and which of its pages the request
 * writes into.  mmap_lock and map_lock held.
 */
static int jitmem_plan_admit(struct jitmem_ctx *ctx, struct jitmem_plan *pl,
			     bool *remap)
{
	struct jitmem_region *r = pl->r;
	struct jitmem_counters *c = &ctx->cnt;
	u64 bytes = 0, live;
	unsigned int i;

	*remap = false;
	for (i = 0; i < r->nsegs; i++) {
		struct jitmem_seg *seg = &r->segs[i];
		struct jitmem_slab *slab;

		slab = jitmem_slab_find(ctx, seg->r.start, seg->r.end);
		if (!slab)
			return -ENXIO;
		if (jitmem_range_first(&ctx->segs, seg->r.start, seg->r.end))
			return -EBUSY;
		if (jitmem_retired_overlaps(ctx, seg->r.start, seg->r.end))
			return -EADDRNOTAVAIL;
		if ((seg->group & JITMEM_GROUP_X) && jitmem_noexec(ctx))
			return -EACCES;
		if (jitmem_range_mapped(ctx, seg->r.start & PAGE_MASK,
					PAGE_ALIGN(seg->r.end),
					jitmem_group_perms(seg->group), NULL,
					NULL)) {
			/* A new mapping would make a readable one executable. */
			if (!(seg->group & JITMEM_GROUP_X) &&
			    (current->personality & READ_IMPLIES_EXEC))
				return -ENOEXEC;
			*remap = true;
		}
		refcount_inc(&slab->ref);
		pl->slabs[i] = slab;
		bytes += jitmem_seg_bytes(seg);
	}
	live = c->bytes[JITMEM_PROT_IDX_R] + c->bytes[JITMEM_PROT_IDX_RW] +
	       c->bytes[JITMEM_PROT_IDX_RX];
	if (live + bytes > READ_ONCE(jitmem_max_initialized_bytes)) {
		jitmem_stats_refused(JITMEM_REFUSED_LIMIT);
		return -ENOSPC;
	}
	return jitmem_plan_lookup(ctx, pl);
}

/* New pages for the rest, their slots reserved; no lock held. */
static int jitmem_plan_alloc(struct jitmem_ctx *ctx, struct jitmem_plan *pl)
{
	unsigned int i;
	int ret;

	for (i = 0; i < pl->npages; i++) {
		struct jitmem_plan_page *p = &pl->pages[i];
		struct page *page;

		if (p->jp)
			continue;
		page = jitmem_page_alloc(p->prot, NULL);
		if (!page)
			return -ENOMEM;
		p->fresh = jitmem_page_new(p->addr, page, p->prot);
		if (!p->fresh) {
			put_page(page);
			return -ENOMEM;
		}
		ret = jitmem_page_reserve(ctx, p->addr);
		if (ret) {
			jitmem_page_destroy(p->fresh);
			p->fresh = NULL;
			return ret;
		}
		p->page = page;
	}
	return 0;
}

/*
 * Write @seg's bytes (content, then zeros) into the pages of the plan that
 * are new (@fresh) or the context's (!@fresh), the latter with page faults
 * disabled.  Returns 0 or -EFAULT.
 */
static int jitmem_seg_write(struct jitmem_plan *pl, struct jitmem_seg *seg,
			    bool fresh)
{
	struct jitmem_plan_page *p = jitmem_plan_find(pl, seg->r.start);
	unsigned long a = seg->r.start;
	const u8 __user *src = seg->content;
	u64 left = seg->content_size;
	int ret = 0;

	/* The plan has each page of the segment, in order. */
	for (; !ret && a < seg->r.end; p++) {
		unsigned int off = offset_in_page(a);
		unsigned int len = min(seg->r.end, (a & PAGE_MASK) + PAGE_SIZE) - a;
		unsigned int n = min_t(u64, left, len);
		void *kaddr;

		if (!!p->fresh == fresh) {
			kaddr = kmap_local_page(p->page);
			if (n && copy_from_user(kaddr + off, src, n))
				ret = -EFAULT;
			else
				memset(kaddr + off + n, 0, len - n);
			if (p->prot == JITMEM_PROT_IDX_RX)
				flush_icache_range((unsigned long)kaddr + off,
						   (unsigned long)kaddr + off + len);
			kunmap_local(kaddr);
			if (fresh)
				cond_resched();
		}
		src += n;
		left -= n;
		a += len;
	}
	return ret;
}

/* Scrub what jitmem_seg_write() wrote into the context's pages. */
static void jitmem_seg_unwrite(struct jitmem_plan *pl, struct jitmem_seg *seg)
{
	struct jitmem_plan_page *p = jitmem_plan_find(pl, seg->r.start);
	unsigned long a = seg->r.start;

	for (; a < seg->r.end; p++) {
		unsigned int len = min(seg->r.end, (a & PAGE_MASK) + PAGE_SIZE) - a;

		if (!p->fresh)
			jitmem_page_fill(p->page, p->prot, offset_in_page(a), len);
		a += len;
	}
}

/* Content into the new pages, and every content readable; no lock held. */
static int jitmem_plan_write_fresh(struct jitmem_plan *pl)
{
	unsigned int i;
	int ret;

	for (i = 0; i < pl->r->nsegs; i++) {
		struct jitmem_seg *seg = &pl->r->segs[i];

		ret = jitmem_seg_write(pl, seg, true);
		if (ret)
			return ret;
		if (seg->content_size &&
		    fault_in_readable((const char __user *)seg->content,
				      seg->content_size))
			return -EFAULT;
	}
	return 0;
}

/* Each segment's range is the slab's, mapped with its permissions. */
static int jitmem_plan_mapped(struct jitmem_ctx *ctx, struct jitmem_plan *pl)
{
	unsigned int i;

	for (i = 0; i < pl->r->nsegs; i++) {
		struct jitmem_seg *seg = &pl->r->segs[i];

		if (pl->slabs[i]->dead)
			return -ENXIO;
		if (jitmem_range_mapped(ctx, seg->r.start & PAGE_MASK,
					PAGE_ALIGN(seg->r.end),
					jitmem_group_perms(seg->group), NULL,
					NULL))
			return -ENXIO;
	}
	return 0;
}

/*
 * The context's pages a fork child maps since the plan was made are copied
 * for the owner before anything is written into them.
 */
static int jitmem_plan_cow(struct jitmem_ctx *ctx, struct jitmem_plan *pl)
{
	unsigned int i;
	int ret;

	for (i = 0; i < pl->npages; i++) {
		struct jitmem_plan_page *p = &pl->pages[i];

		if (!p->jp || !p->jp->snap)
			continue;
		ret = jitmem_page_cow(ctx, p->jp, NULL);
		if (ret)
			return ret;
		put_page(p->page);
		p->page = p->jp->page;
		get_page(p->page);
	}
	return 0;
}

static void jitmem_count_seg(struct jitmem_ctx *ctx, struct jitmem_seg *seg,
			     int sign)
{
	s64 bytes = jitmem_seg_bytes(seg);

	jitmem_count(ctx, JITMEM_CNT(segments), sign);
	jitmem_count(ctx, JITMEM_CNT(bytes) + jitmem_group_prot(seg->group),
		     sign * bytes);
}

static void jitmem_count_region(struct jitmem_ctx *ctx, int sign)
{
	jitmem_count(ctx, JITMEM_CNT(regions), sign);
}

/* Everything is written: make it the context's.  Cannot fail. */
static void jitmem_plan_install(struct jitmem_ctx *ctx, struct jitmem_plan *pl)
{
	struct jitmem_region *r = pl->r;
	unsigned int i;

	for (i = 0; i < pl->npages; i++) {
		struct jitmem_plan_page *p = &pl->pages[i];

		if (p->fresh) {
			/* In place of an empty page of another protection. */
			jitmem_page_install(ctx, p->fresh);
			p->jp = p->fresh;
			p->fresh = NULL;
			p->page = NULL;		/* the table has its reference */
		}
		jitmem_page_use(ctx, p->jp, p->bytes);
	}
	jitmem_protect_commit(ctx, &pl->pr);
	for (i = 0; i < r->nsegs; i++) {
		r->segs[i].live = true;
		jitmem_range_insert(&ctx->segs, &r->segs[i].r);
		jitmem_count_seg(ctx, &r->segs[i], 1);
	}
	jitmem_count_region(ctx, 1);
	r->nlive = r->nsegs;
}

/* New pages get their PTE now rather than at the first access. */
static void jitmem_plan_prefault(struct jitmem_ctx *ctx, struct jitmem_plan *pl)
{
	struct vm_area_struct *vma = NULL;
	unsigned int i;

	for (i = 0; i < pl->npages; i++) {
		struct jitmem_plan_page *p = &pl->pages[i];

		if (p->page)
			continue;	/* not a new one */
		if (!vma || p->addr < vma->vm_start || p->addr >= vma->vm_end)
			vma = find_vma(ctx->mm, p->addr);
		if (vma && vma->vm_start <= p->addr)
			vm_insert_page(vma, p->addr, p->jp->page);
	}
}

/*
 * Write into the context's pages, under mmap_lock (no fork() starts
 * meanwhile) and map_lock for writing, publish, and tell the events group.
 * On success both locks are released.  Otherwise nothing of the request is
 * written and both stay held; -EAGAIN when a content page was not
 * resident: the caller faults it in and tries again.
 */
static int jitmem_plan_publish(struct jitmem_ctx *ctx, struct jitmem_plan *pl)
{
	struct jitmem_region *r = pl->r;
	unsigned int i, written = 0;
	int ret;

	ret = jitmem_plan_cow(ctx, pl);
	pagefault_disable();
	for (i = 0; !ret && i < r->nsegs; i++, written++)
		ret = jitmem_seg_write(pl, &r->segs[i], false);
	pagefault_enable();
	if (ret) {
		while (written--)
			jitmem_seg_unwrite(pl, &r->segs[written]);
		return ret == -EFAULT ? -EAGAIN : ret;
	}
	jitmem_plan_install(ctx, pl);
	jitmem_plan_prefault(ctx, pl);
	downgrade_write(&ctx->map_lock);
	mmap_read_unlock(ctx->mm);
	for (i = 0; i < r->nsegs; i++)
		jitmem_notify_seg(ctx, JITMEM_EVENT_INIT, &r->segs[i]);
	up_read(&ctx->map_lock);
	return 0;
}

/*
 * Publish after the locks were dropped: check again that every segment's
 * range is mapped as it needs.
 */
static int jitmem_plan_commit(struct jitmem_ctx *ctx, struct jitmem_plan *pl)
{
	int ret;

	if (mmap_read_lock_killable(ctx->mm))
		return -EINTR;
	down_write(&ctx->map_lock);
	ret = jitmem_plan_mapped(ctx, pl);
	if (!ret)
		ret = jitmem_plan_publish(ctx, pl);
	if (ret) {
		up_write(&ctx->map_lock);
		mmap_read_unlock(ctx->mm);
	}
	return ret;
}

/* Does the request only write into pages the context has? */
static bool jitmem_plan_in_place(const struct jitmem_plan *pl)
{
	unsigned int i;

	for (i = 0; i < pl->npages; i++)
		if (!pl->pages[i].jp)
			return false;
	return true;
}

/* The protection changes the request needs, one segment at a time. */
static int jitmem_plan_protect(struct jitmem_ctx *ctx, struct jitmem_plan *pl)
{
	struct jitmem_region *r = pl->r;
	unsigned int i, j;
	int ret;

	for (i = 0; i < r->nsegs; i++) {
		struct jitmem_seg *seg = &r->segs[i];
		unsigned long perms = jitmem_group_perms(seg->group);
		unsigned long lo = 0, hi = ULONG_MAX;

		/* Never over the request's segments of other permissions. */
		for (j = 0; j < r->nsegs; j++) {
			const struct jitmem_seg *o = &r->segs[j];

			if (jitmem_group_perms(o->group) == perms)
				continue;
			if (o->r.end <= seg->r.start)
				lo = max(lo, PAGE_ALIGN(o->r.end));
			else if (o->r.start >= seg->r.end)
				hi = min(hi, o->r.start & PAGE_MASK);
		}
		ret = jitmem_protect(ctx, pl->slabs[i], &pl->pr,
				     seg->r.start & PAGE_MASK,
				     PAGE_ALIGN(seg->r.end), perms, lo, hi);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * A request into pages the context has, already mapped as it needs (a JIT
 * publishing into freed space), is checked and published under one hold of
 * the locks; anything else, or content not resident, takes the steps in
 * turn, with no lock held across allocation or fault.
 */
static int jitmem_plan_run(struct jitmem_ctx *ctx, struct jitmem_plan *pl)
{
	unsigned int i;
	bool remap;
	int ret;

	if (mmap_read_lock_killable(ctx->mm))
		return -EINTR;
	down_write(&ctx->map_lock);
	ret = jitmem_plan_admit(ctx, pl, &remap);
	if (!ret && !remap && jitmem_plan_in_place(pl)) {
		ret = jitmem_plan_publish(ctx, pl);
		if (!ret)
			return 0;
		if (ret == -EAGAIN)
			ret = 0;
	}
	up_write(&ctx->map_lock);
	mmap_read_unlock(ctx->mm);
	if (!ret)
		ret = jitmem_plan_alloc(ctx, pl);
	if (!ret)
		ret = jitmem_plan_write_fresh(pl);
	if (!ret && remap)
		ret = jitmem_plan_protect(ctx, pl);
	while (!ret) {
		ret = jitmem_plan_commit(ctx, pl);
		if (ret != -EAGAIN)
			break;
		ret = fatal_signal_pending(current) ? -EINTR : 0;
		for (i = 0; !ret && i < pl->r->nsegs; i++) {
			struct jitmem_seg *seg = &pl->r->segs[i];

			if (seg->content_size &&
			    fault_in_readable((const char __user *)seg->content,
					      seg->content_size))
				ret = -EFAULT;
		}
	}
	if (ret)
		jitmem_protect_undo(ctx, &pl->pr);
	return ret;
}

/**
 * jitmem_initialize() - JITMEM_IOC_INITIALIZE
 * @ctx: the context
 * @ksegs: the request's segments, copied in
 * @n: how many
 * @ukey: where the key goes in the caller's struct
 *
 * The key is written back first, before anything changes (it only depends
 * on the request), so that a key the kernel cannot write fails the request
 * whole and no other thread ever waits on a fault of it.
 *
 * Context: process context, no lock held; takes ctx->lock, mmap_lock and
 * map_lock.
 * Return: 0, or an errno the uapi lists for INITIALIZE.
 */
int jitmem_initialize(struct jitmem_ctx *ctx, struct jitmem_init_segment *ksegs,
		      unsigned int n, u64 __user *ukey)
{
	struct jitmem_plan pl = { };
	struct jitmem_region *r;
	unsigned int i;
	u64 bytes;
	int ret;

	ret = jitmem_request_check(ksegs, n);
	if (ret)
		return ret;
	/* Refuse what can never fit before allocating pages for it. */
	for (i = 0, bytes = 0; i < n; i++)
		bytes += ksegs[i].length;
	if (bytes > READ_ONCE(jitmem_max_initialized_bytes)) {
		jitmem_stats_refused(JITMEM_REFUSED_LIMIT);
		return -ENOSPC;
	}
	r = jitmem_region_new(ksegs, n);
	if (!r)
		return -ENOMEM;
	if (put_user(r->key, ukey)) {
		kfree(r);
		return -EFAULT;
	}
	ret = jitmem_plan_init(&pl, r);
	if (!ret && mutex_lock_killable(&ctx->lock)) {
		ret = -EINTR;
	} else if (!ret) {
		ret = jitmem_plan_run(ctx, &pl);
		mutex_unlock(&ctx->lock);
	}
	jitmem_plan_destroy(ctx, &pl);
	if (ret)
		kfree(r);
	return ret;
}

/* Give back the bytes of @seg in its pages. */
static void jitmem_seg_unuse(struct jitmem_ctx *ctx, struct jitmem_seg *seg,
			     enum jitmem_drop how)
{
	unsigned long a = seg->r.start;

	while (a < seg->r.end) {
		unsigned long e = min(seg->r.end, (a & PAGE_MASK) + PAGE_SIZE);

		jitmem_page_unuse(ctx, a, e - a, how);
		a = e;
	}
}

/*
 * Take the live segments of @r (only its Finalize ones if @finalize_only)
 * out of the context: out of the tree, their bytes scrubbed, accounted,
 * retired.  The region goes when nothing of it is left.  This is the one
 * teardown of every path.  Returns how many segments it took.
 */
static unsigned int jitmem_region_drop(struct jitmem_ctx *ctx,
				       struct jitmem_region *r,
				       bool finalize_only, enum jitmem_drop how)
{
	bool reuse = READ_ONCE(jitmem_exec_reuse);
	unsigned int i, n = 0;

	lockdep_assert_held_write(&ctx->map_lock);
	for (i = 0; i < r->nsegs; i++) {
		struct jitmem_seg *seg = &r->segs[i];

		if (!seg->live || (finalize_only &&
				   !(seg->group & JITMEM_GROUP_FINALIZE)))
			continue;
		jitmem_range_erase(&ctx->segs, &seg->r);
		seg->live = false;
		jitmem_notify_seg(ctx, JITMEM_EVENT_DEINIT, seg);
		jitmem_count_seg(ctx, seg, -1);
		jitmem_seg_unuse(ctx, seg, how);
		if (!reuse && (seg->group & JITMEM_GROUP_X))
			jitmem_retire(ctx, seg);
		n++;
	}
	r->nlive -= n;
	if (n && !r->nlive) {
		jitmem_count_region(ctx, -1);
		if (!r->nretired)
			kfree(r);
	}
	return n;
}

static struct jitmem_region *jitmem_region_lookup(struct jitmem_ctx *ctx,
						  unsigned long key)
{
	struct jitmem_seg *seg;

	seg = jitmem_seg_entry(jitmem_range_find(&ctx->segs, key));
	if (!seg || seg->region->key != key)
		return NULL;
	return seg->region;
}

/**
 * jitmem_deinit_batch() - DEINITIALIZE a list of regions
 * @ctx: the context
 * @keys: the regions' keys
 * @results: receives 0 or a negative errno per key: -ENOENT (no region
 *	with this key, or no live Finalize segment with
 *	JITMEM_DEINIT_FINALIZE_ONLY)
 * @n: how many
 * @flags: JITMEM_DEINIT_FINALIZE_ONLY or 0
 *
 * One pass under the locks for the whole list; the pages it empties stay
 * mapped (empty) or go with at most one TLB flush (jitmem_pages_reclaim()).
 *
 * Context: ctx->lock held; takes mmap_lock (for reading) and map_lock.
 * Return: 0, or -EINTR (nothing done).
 */
int jitmem_deinit_batch(struct jitmem_ctx *ctx, const u64 *keys, int *results,
			unsigned int n, u32 flags)
{
	bool fin = flags & JITMEM_DEINIT_FINALIZE_ONLY;
	struct jitmem_region *r;
	unsigned int i;

	lockdep_assert_held(&ctx->lock);
	if (mmap_read_lock_killable(ctx->mm))
		return -EINTR;
	down_write(&ctx->map_lock);
	for (i = 0; i < n; i++) {
		r = jitmem_region_lookup(ctx, keys[i]);
		results[i] = r && jitmem_region_drop(ctx, r, fin,
						     JITMEM_DROP_SCRUB) ?
			     0 : -ENOENT;
	}
	jitmem_pages_reclaim(ctx);
	up_write(&ctx->map_lock);
	mmap_read_unlock(ctx->mm);
	return 0;
}

/**
 * jitmem_drop_range() - drop every region with a live segment in a range
 * @ctx: the context
 * @start: first byte
 * @end: byte after the last
 * @how: JITMEM_DROP_GONE when no mapping of the context is left
 *
 * Context: map_lock held for writing; mmap_lock held with JITMEM_DROP_SCRUB.
 */
void jitmem_drop_range(struct jitmem_ctx *ctx, unsigned long start,
		       unsigned long end, enum jitmem_drop how)
{
	struct jitmem_range *r;

	lockdep_assert_held_write(&ctx->map_lock);
	while ((r = jitmem_range_first(&ctx->segs, start, end)))
		jitmem_region_drop(ctx, jitmem_seg_entry(r)->region, false, how);
}

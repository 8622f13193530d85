// SPDX-License-Identifier: GPL-2.0-only
/*
 * The pages of a context, by user page number (ctx->pages), in the model of
 * bpf_prog_pack and the execmem ROX cache: a page stays mapped while live
 * segments use it, and segments of different regions with one protection
 * share it.  The kernel writes content and scrub fill (int3 in code pages,
 * zeros elsewhere) through its own mapping of the page, so a publish into
 * a page already mapped changes no page table and flushes no TLB.
 *
 * A page no live segment uses is scrubbed whole and kept, still mapped, on
 * ctx->empty for the next segment of its protection, up to
 * max_empty_bytes per context; beyond that, the ioctl that emptied it
 * frees the oldest, zapping them in one call (one TLB flush).  The scrub
 * waits for that, at the end of the same call: a page it frees is never
 * scrubbed.  A mapping that goes away frees the pages it mapped.
 *
 * A page a fork child maps (@snap) is never written again: the owner gets
 * a copy first (jitmem_page_cow()).
 */
#include <linux/highmem.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include <asm/cacheflush.h>

#include "jitmem.h"

static struct kmem_cache *jitmem_page_cache;

/* What free bytes of a page hold: int3 in code, so a stale call traps. */
static int jitmem_prot_fill(u8 prot)
{
	return prot == JITMEM_PROT_IDX_RX ? 0xcc : 0;
}

/**
 * jitmem_page_fill() - set bytes of a page to its protection's scrub fill
 * @page: the page
 * @prot: its protection (enum jitmem_prot)
 * @off: first byte
 * @len: bytes
 *
 * Context: any that may sleep.
 */
void jitmem_page_fill(struct page *page, u8 prot, unsigned int off,
		      unsigned int len)
{
	void *kaddr = kmap_local_page(page);

	memset(kaddr + off, jitmem_prot_fill(prot), len);
	if (prot == JITMEM_PROT_IDX_RX)
		flush_icache_range((unsigned long)kaddr + off,
				   (unsigned long)kaddr + off + len);
	kunmap_local(kaddr);
}

/**
 * jitmem_page_alloc() - a fresh page holding its protection's fill
 * @prot: the protection (enum jitmem_prot)
 * @copy: if not NULL, a page whose bytes the new one gets instead
 *
 * A request over the memcg limit fails; it kills nobody.
 *
 * Context: process context, may sleep.
 * Return: the page, or NULL.
 */
struct page *jitmem_page_alloc(u8 prot, struct page *copy)
{
	gfp_t gfp = GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN;
	struct page *page;

	if (!copy && !jitmem_prot_fill(prot))
		gfp |= __GFP_ZERO;
	page = alloc_page(gfp);
	if (!page)
		return NULL;
	if (copy)
		copy_highpage(page, copy);
	else if (jitmem_prot_fill(prot))
		jitmem_page_fill(page, prot, 0, PAGE_SIZE);
	return page;
}

/**
 * jitmem_page_new() - the record of a page, not in the table yet
 * @addr: its user address
 * @page: the page, whose reference the record takes
 * @prot: its protection
 *
 * Context: process context, may sleep.
 * Return: the record, or NULL.
 */
struct jitmem_page *jitmem_page_new(unsigned long addr, struct page *page,
				    u8 prot)
{
	struct jitmem_page *jp;

	jp = kmem_cache_zalloc(jitmem_page_cache, GFP_KERNEL_ACCOUNT);
	if (!jp)
		return NULL;
	jp->addr = addr & PAGE_MASK;
	jp->page = page;
	jp->prot = prot;
	INIT_LIST_HEAD(&jp->empty);
	return jp;
}

/**
 * jitmem_page_destroy() - free a record not in the table, and its page
 * @jp: the record
 *
 * Context: any that may free memory.
 */
void jitmem_page_destroy(struct jitmem_page *jp)
{
	put_page(jp->page);
	kmem_cache_free(jitmem_page_cache, jp);
}

/**
 * jitmem_page_lookup() - the context's page at a user address
 * @ctx: the context
 * @addr: any address in the page
 *
 * Context: map_lock held.
 * Return: the record, or NULL.
 */
struct jitmem_page *jitmem_page_lookup(struct jitmem_ctx *ctx,
				       unsigned long addr)
{
	lockdep_assert_held(&ctx->map_lock);
	return xa_load(&ctx->pages, addr >> PAGE_SHIFT);
}

/**
 * jitmem_page_at() - the context's page at a user address, in a walk
 * @xas: the walk, an XA_STATE() of ctx->pages
 * @addr: any address in the page
 *
 * A walk at ascending addresses steps from one page to the next in the
 * same table node instead of descending from the root for each.
 *
 * Context: map_lock held; rcu_read_lock() held from the walk's first call
 * to its last (reservations come and go without map_lock).
 * Return: the record, or NULL.
 */
struct jitmem_page *jitmem_page_at(struct xa_state *xas, unsigned long addr)
{
	struct jitmem_ctx *ctx = container_of(xas->xa, struct jitmem_ctx, pages);
	unsigned long index = addr >> PAGE_SHIFT;
	void *entry;

	lockdep_assert_held(&ctx->map_lock);
	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "page walk without RCU");
	if (xas_valid(xas) && xas->xa_index + 1 == index) {
		entry = xas_next(xas);
	} else {
		xas_set(xas, index);
		entry = xas_load(xas);
	}
	while (xa_is_retry(entry)) {
		xas_set(xas, index);
		entry = xas_load(xas);
	}
	return xa_is_zero(entry) ? NULL : entry;
}

static void jitmem_count_pages(struct jitmem_ctx *ctx, u64 held, u64 empty,
			       int sign)
{
	if (held)
		jitmem_count(ctx, JITMEM_CNT(held_bytes),
			     sign * (s64)(held << PAGE_SHIFT));
	if (empty)
		jitmem_count(ctx, JITMEM_CNT(empty_bytes),
			     sign * (s64)(empty << PAGE_SHIFT));
}

/**
 * jitmem_page_install() - put a new page in the table
 * @ctx: the context
 * @jp: its record, whose slot jitmem_page_reserve() reserved (or that an
 *	empty page of another protection holds: it is freed)
 *
 * Context: map_lock held for writing.
 */
void jitmem_page_install(struct jitmem_ctx *ctx, struct jitmem_page *jp)
{
	struct jitmem_page *old;

	lockdep_assert_held_write(&ctx->map_lock);
	/* The slot is reserved or taken: this allocates nothing. */
	old = xa_store(&ctx->pages, jp->addr >> PAGE_SHIFT, jp, GFP_NOWAIT);
	if (WARN_ON_ONCE(xa_is_err(old)))
		return;
	jitmem_count_pages(ctx, 1, 0, 1);
	if (old) {
		/* An empty page of another protection, whose mapping went. */
		WARN_ON_ONCE(old->users || old->unscrubbed);
		if (!list_empty(&old->empty)) {
			list_del(&old->empty);
			jitmem_count_pages(ctx, 0, 1, -1);
		}
		jitmem_count_pages(ctx, 1, 0, -1);
		jitmem_page_destroy(old);
	}
}

/**
 * jitmem_page_reserve() - make sure installing a page at @addr cannot fail
 * @ctx: the context
 * @addr: the page's user address
 *
 * Context: process context, may sleep; map_lock not held.
 * Return: 0, or -ENOMEM.
 */
int jitmem_page_reserve(struct jitmem_ctx *ctx, unsigned long addr)
{
	return xa_reserve(&ctx->pages, addr >> PAGE_SHIFT, GFP_KERNEL_ACCOUNT);
}

/**
 * jitmem_page_unreserve() - give back a slot jitmem_page_reserve() took
 * @ctx: the context
 * @addr: the page's user address, with no page installed
 *
 * Context: any.
 */
void jitmem_page_unreserve(struct jitmem_ctx *ctx, unsigned long addr)
{
	xa_release(&ctx->pages, addr >> PAGE_SHIFT);
}

/**
 * jitmem_page_use() - live segments take @bytes more of a page
 * @ctx: the context
 * @jp: the page, in the table
 * @bytes: how many
 *
 * Context: map_lock held for writing.
 */
void jitmem_page_use(struct jitmem_ctx *ctx, struct jitmem_page *jp,
		     unsigned int bytes)
{
	lockdep_assert_held_write(&ctx->map_lock);
	WARN_ON_ONCE(jp->unscrubbed);
	if (!jp->users && !list_empty(&jp->empty)) {
		list_del_init(&jp->empty);
		jitmem_count_pages(ctx, 0, 1, -1);
	}
	jp->users += bytes;
}

/**
 * jitmem_page_cow() - give the owner its own copy of a page a child maps
 * @ctx: the context
 * @jp: the page, with @jp->snap set
 * @copy: a copy of the page (jitmem_page_alloc()), or NULL to allocate one
 *
 * The owner's PTE of the old page is zapped (one TLB flush; only after a
 * fork), the child keeps the old page through its own PTEs.
 *
 * Context: mmap_lock and map_lock (for writing) held.
 * Return: 0, or -ENOMEM (nothing changed).
 */
int jitmem_page_cow(struct jitmem_ctx *ctx, struct jitmem_page *jp,
		    struct page *copy)
{
	struct vm_area_struct *vma;
	struct page *old = jp->page;

	lockdep_assert_held_write(&ctx->map_lock);
	if (!copy)
		copy = jitmem_page_alloc(jp->prot, old);
	if (!copy)
		return -ENOMEM;
	vma = find_vma(ctx->mm, jp->addr);
	if (vma && vma->vm_start <= jp->addr)
		jitmem_zap_range(vma, jp->addr, PAGE_SIZE);
	jp->page = copy;
	jp->snap = false;
	put_page(old);
	return 0;
}

/* Fill bytes of the page, in a copy first if a fork child maps it. */
static void jitmem_page_scrub(struct jitmem_ctx *ctx, struct jitmem_page *jp,
			      unsigned int off, unsigned int len)
{
	if (!jp->snap || !jitmem_page_cow(ctx, jp, NULL))
		jitmem_page_fill(jp->page, jp->prot, off, len);
}

/**
 * jitmem_page_unuse() - live segments give back bytes of a page
 * @ctx: the context
 * @addr: the first byte given back
 * @len: how many (inside one page)
 * @how: JITMEM_DROP_GONE when the page is going anyway (no scrub)
 *
 * The bytes are scrubbed (int3 or zeros), through a copy for the owner if
 * a fork child maps the page; if that copy cannot be allocated they keep
 * what they held, which no longer belongs to a segment.  A page left with
 * no user goes on the context's list of empty pages, still mapped, and is
 * scrubbed whole by the jitmem_pages_reclaim() that ends the call, unless
 * that frees it: one call that empties many pages scrubs only those it
 * keeps.
 *
 * Context: mmap_lock and map_lock (for writing) held; the caller calls
 * jitmem_pages_reclaim() before it releases them.
 */
void jitmem_page_unuse(struct jitmem_ctx *ctx, unsigned long addr,
		       unsigned int len, enum jitmem_drop how)
{
	struct jitmem_page *jp = jitmem_page_lookup(ctx, addr);

	lockdep_assert_held_write(&ctx->map_lock);
	if (WARN_ON_ONCE(!jp || jp->users < len))
		return;
	jp->users -= len;
	/* A page whose mapping went is freed next: no scrub, no list. */
	if (how == JITMEM_DROP_GONE ||
	    (addr >= ctx->dying_start && addr < ctx->dying_end))
		return;
	if (!jp->users) {
		jp->unscrubbed = true;
		ctx->nunscrubbed++;
		list_add_tail(&jp->empty, &ctx->empty);
		jitmem_count_pages(ctx, 0, 1, 1);
		return;
	}
	jitmem_page_scrub(ctx, jp, offset_in_page(addr), len);
}

/* How many pages jitmem_pages_destroy_list() hands back per bulk call. */
#define JITMEM_FREE_BATCH	16

/*
 * Free records taken out of the table, chained on their ->empty, and
 * their pages: release_pages() and kmem_cache_free_bulk() a batch at a
 * time, instead of a put_page() and a kmem_cache_free() each.
 */
static void jitmem_pages_destroy_list(struct list_head *list)
{
	struct page *pages[JITMEM_FREE_BATCH];
	void *jps[JITMEM_FREE_BATCH];
	struct jitmem_page *jp, *next;
	unsigned int n = 0;

	list_for_each_entry_safe(jp, next, list, empty) {
		pages[n] = jp->page;
		jps[n] = jp;
		if (++n < JITMEM_FREE_BATCH)
			continue;
		release_pages(pages, n);
		kmem_cache_free_bulk(jitmem_page_cache, n, jps);
		n = 0;
	}
	if (n) {
		release_pages(pages, n);
		kmem_cache_free_bulk(jitmem_page_cache, n, jps);
	}
}

/*
 * Free the pages of [@start, @end): all (none may be in use), or the empty
 * ones but those of protection @keep (-1: none kept).  Their PTEs are gone.
 * One pass over the table erases them; the counters change once.
 */
static void jitmem_pages_drop(struct jitmem_ctx *ctx, unsigned long start,
			      unsigned long end, bool all, int keep)
{
	XA_STATE(xas, &ctx->pages, start >> PAGE_SHIFT);
	u64 held = 0, empty = 0;
	struct jitmem_page *jp;
	unsigned long next;
	LIST_HEAD(dead);

	lockdep_assert_held_write(&ctx->map_lock);
	if (start >= end)
		return;
	xas_lock(&xas);
	xas_for_each(&xas, jp, (end >> PAGE_SHIFT) - 1) {
		if (xas_retry(&xas, jp))
			continue;
		WARN_ON_ONCE(all && jp->users);
		if (!all && (jp->users || jp->prot == keep))
			continue;
		xas_store(&xas, NULL);
		if (jp->unscrubbed)
			ctx->nunscrubbed--;
		if (!list_empty(&jp->empty)) {
			list_del(&jp->empty);
			empty++;
		}
		list_add_tail(&jp->empty, &dead);
		if (++held % XA_CHECK_SCHED)
			continue;
		/*
		 * Not xas_pause(): after a store that freed a node, it would
		 * step a whole node of the parent from an unaligned index.
		 */
		next = xas.xa_index + 1;
		xas_unlock(&xas);
		cond_resched();
		xas_lock(&xas);
		xas_set(&xas, next);
	}
	xas_unlock(&xas);
	if (held)
		jitmem_count_pages(ctx, held, empty, -1);
	jitmem_pages_destroy_list(&dead);
}

/**
 * jitmem_pages_free_range() - free the pages of a range no longer mapped
 * @ctx: the context
 * @start: first byte, page-aligned
 * @end: byte after the last, page-aligned
 *
 * Context: map_lock held for writing; the owner's PTEs of the range are gone.
 */
void jitmem_pages_free_range(struct jitmem_ctx *ctx, unsigned long start,
			     unsigned long end)
{
	jitmem_pages_drop(ctx, start, end, true, -1);
}

/**
 * jitmem_pages_free_empty() - free the empty pages of a range
 * @ctx: the context
 * @start: first byte, page-aligned
 * @end: byte after the last, page-aligned
 *
 * Context: map_lock held for writing; the owner's PTEs of the range are
 * gone (a protection change replaced its mappings).
 */
void jitmem_pages_free_empty(struct jitmem_ctx *ctx, unsigned long start,
			     unsigned long end)
{
	jitmem_pages_drop(ctx, start, end, false, -1);
}

/**
 * jitmem_pages_free_mismatched() - free the empty pages of a range that a
 * new mapping of other permissions replaced
 * @ctx: the context
 * @start: first byte, page-aligned
 * @end: byte after the last, page-aligned
 * @perms: the new mapping's VM_* permission bits
 *
 * Context: map_lock held for writing.
 */
void jitmem_pages_free_mismatched(struct jitmem_ctx *ctx, unsigned long start,
				  unsigned long end, unsigned long perms)
{
	jitmem_pages_drop(ctx, start, end, false, jitmem_perms_prot(perms));
}

/*
 * Free the empty pages of the VMA holding the oldest one: one zap, one TLB
 * flush.  The live pages between them lose their PTEs too and fault them
 * back.
 */
static void jitmem_pages_reclaim_one(struct jitmem_ctx *ctx)
{
	struct jitmem_page *oldest, *jp;
	struct vm_area_struct *vma;
	unsigned long lo, hi, oldest_addr;

	oldest = list_first_entry(&ctx->empty, struct jitmem_page, empty);
	oldest_addr = oldest->addr;
	lo = oldest->addr;
	hi = oldest->addr + PAGE_SIZE;
	vma = find_vma(ctx->mm, oldest->addr);
	if (vma && vma->vm_start <= oldest->addr) {
		list_for_each_entry(jp, &ctx->empty, empty) {
			if (jp->addr < vma->vm_start || jp->addr >= vma->vm_end)
				continue;
			lo = min(lo, jp->addr);
			hi = max(hi, jp->addr + PAGE_SIZE);
		}
		jitmem_zap_range(vma, lo, hi - lo);
	}
	jitmem_pages_free_empty(ctx, lo, hi);
	if (vma && vma->vm_start <= oldest_addr)
		jitmem_tidy_note(ctx, vma->vm_start);
}

/**
 * jitmem_pages_reclaim() - keep the empty pages within max_empty_bytes,
 * scrub those the call emptied and keeps
 * @ctx: the context
 *
 * Frees the empty pages of one mapping (one TLB flush) when the context
 * keeps more than max_empty_bytes of them; more only beyond four times
 * that, which a single call can cause by emptying pages in many mappings.
 * Then scrubs the pages jitmem_page_unuse() emptied that are still there:
 * the newest on ctx->empty.
 *
 * Context: mmap_lock and map_lock (for writing) held; ends every call
 * that drops segments from pages that stay mapped.
 */
void jitmem_pages_reclaim(struct jitmem_ctx *ctx)
{
	u64 max = READ_ONCE(jitmem_max_empty_bytes);
	struct jitmem_page *jp;

	lockdep_assert_held_write(&ctx->map_lock);
	jitmem_mmap_assert_locked(ctx->mm);
	while (ctx->cnt.empty_bytes > max && !list_empty(&ctx->empty)) {
		jitmem_pages_reclaim_one(ctx);
		if (ctx->cnt.empty_bytes <= 4 * max)
			break;
	}
	list_for_each_entry_reverse(jp, &ctx->empty, empty) {
		if (!ctx->nunscrubbed)
			break;
		if (!jp->unscrubbed)
			continue;
		jp->unscrubbed = false;
		ctx->nunscrubbed--;
		jitmem_page_scrub(ctx, jp, 0, PAGE_SIZE);
	}
	WARN_ON_ONCE(ctx->nunscrubbed);
}

/**
 * jitmem_pages_init() - create the cache of page records
 *
 * Context: module init.
 * Return: 0, or -ENOMEM.
 */
int jitmem_pages_init(void)
{
	jitmem_page_cache = KMEM_CACHE(jitmem_page, SLAB_ACCOUNT);
	return jitmem_page_cache ? 0 : -ENOMEM;
}

/**
 * jitmem_pages_exit() - destroy it
 *
 * Context: module exit, every context gone.
 */
void jitmem_pages_exit(void)
{
	kmem_cache_destroy(jitmem_page_cache);
}

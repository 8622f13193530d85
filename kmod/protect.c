// SPDX-License-Identifier: GPL-2.0-only
/*
 * Protection changes: the one path that remaps.  Pages keep the protection
 * of their mapping after their segments go, so a range of a slab needs a
 * new mapping only when a segment wants a protection its free pages do not
 * have.  The new mapping takes the whole run of free pages around the
 * segment, and the neighbouring mapping of the same protection whole, so
 * that the number of mappings follows the runs of protections in use, not
 * the history of the slab.
 *
 * A remap is all or nothing.  The mappings it replaces are recorded first;
 * when vm_mmap() fails after it unmapped them (an allocation under it, on
 * 6.1 and 6.12 alike, after the old VMAs were closed) they are mapped again
 * exactly as they were (same range, permissions and offset: a slab's
 * offsets are its page numbers), and the pages they mapped are still the
 * context's, so their content faults back.  Only if that fails too is the
 * range treated as unmapped.  The same records undo a request whose later
 * step fails.
 */
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/slab.h>

#include "jitmem.h"

static unsigned long jitmem_vma_perms(const struct vm_area_struct *vma)
{
	return vma->vm_flags & JITMEM_VM_PERMS;
}

/*
 * The VMA of @slab holding @addr, or NULL if a hole or another mapping
 * holds it.  mmap_lock held.
 */
static struct vm_area_struct *jitmem_slab_vma(struct jitmem_slab *slab,
					      unsigned long addr)
{
	struct vm_area_struct *vma = find_vma(slab->ctx->mm, addr);

	if (!vma || vma->vm_start > addr || !jitmem_vma_of(slab, vma))
		return NULL;
	return vma;
}

/*
 * Where the run that may take @perms ends below @lo (page-aligned): the
 * last live page of another protection, a hole, the slab's start, or the
 * start of the mapping of @perms it reaches.  mmap_lock and map_lock held.
 */
static unsigned long jitmem_run_lo(struct jitmem_ctx *ctx,
				   struct jitmem_slab *slab,
				   unsigned long perms, unsigned long lo)
{
	struct vm_area_struct *vma;
	struct jitmem_range *next, *prev;

	while (lo > slab->r.start) {
		vma = jitmem_slab_vma(slab, lo - 1);
		if (!vma)
			break;
		if (jitmem_vma_perms(vma) == perms)
			return vma->vm_start;
		next = jitmem_range_first(&ctx->segs, lo, ULONG_MAX);
		prev = jitmem_range_entry(next ? rb_prev(&next->rb) :
						 rb_last(&ctx->segs));
		if (prev && prev->end > vma->vm_start)
			return PAGE_ALIGN(prev->end);
		lo = vma->vm_start;
	}
	return max(lo, slab->r.start);
}

/* The same, above @hi. */
static unsigned long jitmem_run_hi(struct jitmem_ctx *ctx,
				   struct jitmem_slab *slab,
				   unsigned long perms, unsigned long hi)
{
	struct vm_area_struct *vma;
	struct jitmem_range *next;

	while (hi < slab->r.end) {
		vma = jitmem_slab_vma(slab, hi);
		if (!vma)
			break;
		if (jitmem_vma_perms(vma) == perms)
			return vma->vm_end;
		next = jitmem_range_first(&ctx->segs, hi, vma->vm_end);
		if (next)
			return next->start & PAGE_MASK;
		hi = vma->vm_end;
	}
	return min(hi, slab->r.end);
}

static int jitmem_undo_add(struct jitmem_protect *pr, struct jitmem_slab *slab,
			   unsigned long start, unsigned long end,
			   unsigned long perms, bool created)
{
	struct jitmem_vmarec *rec;

	if (pr->n == pr->cap) {
		unsigned int cap = pr->cap ? 2 * pr->cap : 8;

		rec = krealloc_array(pr->rec, cap, sizeof(*rec), GFP_KERNEL);
		if (!rec)
			return -ENOMEM;
		pr->rec = rec;
		pr->cap = cap;
	}
	pr->rec[pr->n++] = (struct jitmem_vmarec){
		.start = start, .end = end, .perms = perms, .slab = slab,
		.created = created,
	};
	return 0;
}

/*
 * Record the slab's mappings that a remap of [lo, hi) replaces, whole, to
 * map them again if it fails.  Returns -ENXIO if part of the range is not
 * the slab's.
 */
static int jitmem_record(struct jitmem_ctx *ctx, struct jitmem_slab *slab,
			 struct jitmem_protect *pr, unsigned long lo,
			 unsigned long hi)
{
	struct vm_area_struct *vma;
	unsigned long addr = lo;
	int ret;

	while (addr < hi) {
		vma = jitmem_slab_vma(slab, addr);
		if (!vma)
			return -ENXIO;
		ret = jitmem_undo_add(pr, slab, vma->vm_start, vma->vm_end,
				      jitmem_vma_perms(vma), false);
		if (ret)
			return ret;
		addr = vma->vm_end;
	}
	return 0;
}

/* Is the mapping of @rec there, exactly as recorded? */
static bool jitmem_rec_intact(struct jitmem_slab *slab,
			      const struct jitmem_vmarec *rec)
{
	struct vm_area_struct *vma;
	bool ok;

	mmap_read_lock(slab->ctx->mm);
	vma = jitmem_slab_vma(slab, rec->start);
	ok = vma && vma->vm_start == rec->start && vma->vm_end == rec->end &&
	     jitmem_vma_perms(vma) == rec->perms;
	mmap_read_unlock(slab->ctx->mm);
	return ok;
}

/*
 * What is left of a range that could not be mapped again is unmapped: drop
 * what it held, like any unmapped range.
 */
static void jitmem_restore_failed(struct jitmem_ctx *ctx,
				  const struct jitmem_vmarec *rec)
{
	struct jitmem_slab *slab = rec->slab;
	unsigned long addr = rec->start, next;
	struct vm_area_struct *vma;

	mmap_read_lock(ctx->mm);
	down_write(&ctx->map_lock);
	while (addr < rec->end) {
		vma = find_vma(ctx->mm, addr);
		if (vma && vma->vm_start <= addr && jitmem_vma_of(slab, vma)) {
			addr = vma->vm_end;
			continue;
		}
		if (!vma || vma->vm_start >= rec->end)
			next = rec->end;
		else if (vma->vm_start > addr)
			next = vma->vm_start;
		else
			next = min(vma->vm_end, rec->end);
		jitmem_slab_unmapped(ctx, slab, addr, next, JITMEM_DROP_SCRUB);
		addr = next;
	}
	up_write(&ctx->map_lock);
	mmap_read_unlock(ctx->mm);
}

static int jitmem_rec_map(struct jitmem_ctx *ctx,
			  const struct jitmem_vmarec *rec)
{
	unsigned long addr = jitmem_map(ctx, rec->slab, rec->start,
					rec->end - rec->start, rec->perms,
					MAP_FIXED, true);

	return IS_ERR_VALUE(addr) ? (long)addr : 0;
}

/*
 * Map again the mappings records [from, to) of one change replaced.  Made
 * over what is there, no mapping ever disappears meanwhile.  That fails
 * when the change left the mm at vm.max_map_count (it split a mapping):
 * then the range is unmapped first and each recorded mapping made anew,
 * which never needs more mappings than there were (the range has no
 * mapping meanwhile: a thread touching it then gets SIGSEGV).
 */
static void jitmem_restore_change(struct jitmem_ctx *ctx,
				  struct jitmem_protect *pr, unsigned int from,
				  unsigned int to)
{
	struct jitmem_vmarec *first = &pr->rec[from], *last = &pr->rec[to - 1];
	unsigned int i;
	int ret = 0;

	for (i = to; !ret && i-- > from;)
		if (!jitmem_rec_intact(pr->rec[i].slab, &pr->rec[i]))
			ret = jitmem_rec_map(ctx, &pr->rec[i]);
	if (!ret)
		return;
	jitmem_unmap_all(ctx, first->start, last->end, true);
	for (i = from; i < to; i++)
		if (!jitmem_rec_intact(pr->rec[i].slab, &pr->rec[i]) &&
		    jitmem_rec_map(ctx, &pr->rec[i]))
			jitmem_restore_failed(ctx, &pr->rec[i]);
}

/*
 * Undo the changes recorded from @from on, newest first.  Each change is
 * the mappings it replaced, then the one it made (@created).
 */
static void jitmem_restore(struct jitmem_ctx *ctx, struct jitmem_protect *pr,
			   unsigned int from)
{
	unsigned int end = pr->n, start;

	while (end > from) {
		if (pr->rec[end - 1].created)
			end--;
		for (start = end; start > from && !pr->rec[start - 1].created;)
			start--;
		if (start < end)
			jitmem_restore_change(ctx, pr, start, end);
		end = start;
	}
	pr->n = from;
}

/**
 * jitmem_protect() - give a page range of a slab the permissions @perms
 * @ctx: the context
 * @slab: the slab, with a reference held by the caller
 * @pr: the record of the changes made for this request
 * @start: first page, page-aligned
 * @end: after the last page, page-aligned
 * @perms: VM_READ, VM_WRITE, VM_EXEC bits
 * @lo_bound: the remap does not go below (other segments of the request)
 * @hi_bound: nor above
 *
 * Nothing is done when the range already has @perms.  Otherwise the run of
 * free pages around it is remapped (see the top of this file); on failure
 * every mapping is as it was.
 *
 * Context: ctx->lock held, not mmap_lock nor map_lock.
 * Return: 0, -ENXIO (part of the range is not mapped by the slab), or the
 * error of vm_mmap().
 */
int jitmem_protect(struct jitmem_ctx *ctx, struct jitmem_slab *slab,
		   struct jitmem_protect *pr, unsigned long start,
		   unsigned long end, unsigned long perms,
		   unsigned long lo_bound, unsigned long hi_bound)
{
	unsigned long lo, hi, addr;
	unsigned int mark = pr->n;
	int ret;

	lockdep_assert_held(&ctx->lock);
	if (mmap_read_lock_killable(ctx->mm))
		return -EINTR;
	ret = jitmem_range_mapped(ctx, start, end, perms, NULL, NULL);
	if (!ret) {
		mmap_read_unlock(ctx->mm);
		return 0;
	}
	down_read(&ctx->map_lock);
	lo = max(jitmem_run_lo(ctx, slab, perms, start), lo_bound);
	hi = min(jitmem_run_hi(ctx, slab, perms, end), hi_bound);
	ret = jitmem_record(ctx, slab, pr, lo, hi);
	up_read(&ctx->map_lock);
	mmap_read_unlock(ctx->mm);
	if (ret) {
		pr->n = mark;
		return ret;
	}
	ret = jitmem_undo_add(pr, slab, lo, hi, perms, true);
	if (ret) {
		pr->n = mark;
		return ret;
	}
	addr = jitmem_map(ctx, slab, lo, hi - lo, perms, MAP_FIXED, true);
	if (IS_ERR_VALUE(addr)) {
		jitmem_restore(ctx, pr, mark);
		return (long)addr;
	}
	return 0;
}

/**
 * jitmem_protect_undo() - map again what a request's changes replaced
 * @ctx: the context
 * @pr: their record, emptied
 *
 * Context: ctx->lock held, not mmap_lock nor map_lock; the caller holds
 * references on the slabs of the record.
 */
void jitmem_protect_undo(struct jitmem_ctx *ctx, struct jitmem_protect *pr)
{
	jitmem_restore(ctx, pr, 0);
}

/**
 * jitmem_protect_commit() - the request stays: free the empty pages its
 * changes left in mappings of another protection
 * @ctx: the context
 * @pr: the record of the changes, emptied
 *
 * Context: map_lock held for writing.
 */
void jitmem_protect_commit(struct jitmem_ctx *ctx, struct jitmem_protect *pr)
{
	unsigned int i;

	for (i = 0; i < pr->n; i++)
		if (pr->rec[i].created)
			jitmem_pages_free_mismatched(ctx, pr->rec[i].start,
						     pr->rec[i].end,
						     pr->rec[i].perms);
	pr->n = 0;
}

/**
 * jitmem_protect_free() - free a record
 * @pr: the record
 *
 * Context: any.
 */
void jitmem_protect_free(struct jitmem_protect *pr)
{
	kfree(pr->rec);
	pr->rec = NULL;
	pr->n = 0;
	pr->cap = 0;
}

/**
 * jitmem_tidy_note() - a mapping may be left without any page
 * @ctx: the context
 * @addr: an address in it
 *
 * Context: map_lock held for writing.
 */
void jitmem_tidy_note(struct jitmem_ctx *ctx, unsigned long addr)
{
	lockdep_assert_held_write(&ctx->map_lock);
	if (ctx->ntidy < JITMEM_TIDY_MAX)
		ctx->tidy[ctx->ntidy++] = addr;
}

static bool jitmem_vma_pageless(struct jitmem_ctx *ctx,
				const struct vm_area_struct *vma)
{
	unsigned long index = vma->vm_start >> PAGE_SHIFT;

	return !xa_find(&ctx->pages, &index, (vma->vm_end >> PAGE_SHIFT) - 1,
			XA_PRESENT);
}

/* May a tidy take @vma of @slab?  No page, or already PROT_NONE. */
static bool jitmem_vma_tidy(struct jitmem_ctx *ctx, struct jitmem_slab *slab,
			    struct vm_area_struct *vma)
{
	return vma && jitmem_vma_of(slab, vma) &&
	       (!jitmem_vma_perms(vma) || jitmem_vma_pageless(ctx, vma));
}

/*
 * The range a tidy of the mapping at @addr remaps PROT_NONE: it and its
 * neighbours of the slab that hold no page, or are PROT_NONE already.
 * Returns false when there is nothing to do.  mmap_lock and map_lock held.
 */
static bool jitmem_tidy_range(struct jitmem_ctx *ctx, unsigned long addr,
			      struct jitmem_slab **slabp, unsigned long *lo,
			      unsigned long *hi)
{
	struct vm_area_struct *vma = find_vma(ctx->mm, addr), *v;
	struct jitmem_slab *slab;

	if (!vma || vma->vm_start > addr || !jitmem_vma_perms(vma))
		return false;
	slab = jitmem_vma_slab(vma);
	if (!slab || slab->ctx != ctx || !jitmem_vma_tidy(ctx, slab, vma))
		return false;
	*lo = vma->vm_start;
	*hi = vma->vm_end;
	while ((v = find_vma(ctx->mm, *lo - 1)) && v->vm_end == *lo &&
	       jitmem_vma_tidy(ctx, slab, v))
		*lo = v->vm_start;
	while ((v = find_vma(ctx->mm, *hi)) && v->vm_start == *hi &&
	       jitmem_vma_tidy(ctx, slab, v))
		*hi = v->vm_end;
	refcount_inc(&slab->ref);
	*slabp = slab;
	return true;
}

/**
 * jitmem_tidy() - mappings left without a page go back to PROT_NONE
 * @ctx: the context
 *
 * A mapping of a slab none of whose pages the context holds any more (they
 * were freed) has no PTE: remapping it PROT_NONE, with its neighbours that
 * hold no page either, flushes nothing and keeps the number of mappings
 * to what the pages in use need.  On failure every mapping is as it was.
 *
 * Context: ctx->lock held, not mmap_lock nor map_lock.
 */
void jitmem_tidy(struct jitmem_ctx *ctx)
{
	unsigned long addrs[JITMEM_TIDY_MAX], lo, hi;
	struct jitmem_protect pr = { };
	struct jitmem_slab *slab;
	unsigned int i, n;
	bool todo;

	lockdep_assert_held(&ctx->lock);
	/*
	 * Notes come under map_lock from paths without ctx->lock (munmap());
	 * one that lands just after this look waits for the next batch.
	 */
	if (!data_race(ctx->ntidy))
		return;
	down_write(&ctx->map_lock);
	n = ctx->ntidy;
	memcpy(addrs, ctx->tidy, n * sizeof(addrs[0]));
	ctx->ntidy = 0;
	up_write(&ctx->map_lock);
	for (i = 0; i < n; i++) {
		mmap_read_lock(ctx->mm);
		down_read(&ctx->map_lock);
		todo = jitmem_tidy_range(ctx, addrs[i], &slab, &lo, &hi);
		up_read(&ctx->map_lock);
		mmap_read_unlock(ctx->mm);
		if (!todo)
			continue;
		if (!jitmem_protect(ctx, slab, &pr, lo, hi, 0, lo, hi)) {
			down_write(&ctx->map_lock);
			jitmem_protect_commit(ctx, &pr);
			up_write(&ctx->map_lock);
		}
		jitmem_slab_put(slab);
	}
	jitmem_protect_free(&pr);
}

/* SPDX-License-Identifier: MIT OR LGPL-2.1 */
/* A circular doubly linked list with a head, as the kernel's list_head. */
#ifndef JM_LIST_H
#define JM_LIST_H

#include <stdbool.h>

struct jm_list {
	struct jm_list *prev, *next;
};

static inline void jm_list_init(struct jm_list *head)
{
	head->prev = head;
	head->next = head;
}

static inline void jm_list_add_tail(struct jm_list *head, struct jm_list *n)
{
	n->prev = head->prev;
	n->next = head;
	head->prev->next = n;
	head->prev = n;
}

static inline void jm_list_del(struct jm_list *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->prev = n;
	n->next = n;
}

static inline bool jm_list_empty(const struct jm_list *head)
{
	return head->next == head;
}

#define jm_list_for_each(pos, head) \
	for ((pos) = (head)->next; (pos) != (head); (pos) = (pos)->next)

#define jm_list_for_each_reverse(pos, head) \
	for ((pos) = (head)->prev; (pos) != (head); (pos) = (pos)->prev)

/* pos may be deleted in the body. */
#define jm_list_for_each_safe(pos, tmp, head) \
	for ((pos) = (head)->next, (tmp) = (pos)->next; (pos) != (head); \
	     (pos) = (tmp), (tmp) = (pos)->next)

#endif /* JM_LIST_H */

/*
 * ids.c: listing a collection's ids (rv_list_ids), which is what an export
 * walks.
 *
 * The listing goes through the slots in order and names the id of every
 * slot that holds a live record (flags exactly RV_SLOT_USED: not deleted,
 * not half-linked), as a checkpoint does when it writes the id arena. The
 * cursor is a slot number, so a listing costs nothing to resume and keeps
 * no state in the collection; the price is that writes between two calls
 * (which reuse freed slots, and renumber all of them in rv_optimize) can
 * make the listing miss or repeat ids, as ruvector.h says.
 *
 * Locks: the index's rw shared (slots stay what they are, arrays stay
 * put) and then the id map's shared, the order index.h and idmap.h give.
 * It calls only the index and the id map, so it sits beside idmap.c in
 * collection.h's order of files.
 */
#include <string.h>

#include "../util/error.h"
#include "collection.h"

int rv_list_ids(rv_collection *c, uint64_t *cursor, char *buf, size_t size)
{
	if (!c || !cursor || !buf)
		return rv_error(c, RV_EINVAL, "NULL argument to rv_list_ids");
	if (size < RV_ID_MAX + 1u)
		return rv_error(c, RV_EINVAL, "the buffer holds %zu bytes; rv_list_ids needs at least %u", size,
		                RV_ID_MAX + 1u);
	rv_index *x = c->index;
	size_t used = 0;
	int count = 0; /* at most n_slots, below 2^31 */
	rv_rwlock_rdlock(&x->rw);
	rv_rwlock_rdlock(&c->ids.lock);
	uint64_t n = atomic_load(&x->n_slots), slot = *cursor;
	for (; slot < n; slot++) {
		size_t len;
		const char *key =
			rv_flags(x, (uint32_t)slot) == RV_SLOT_USED ? rv_idmap_key_locked(&c->ids, (uint32_t)slot, &len) : NULL;
		if (!key)
			continue;
		if (used + len + 1 > size)
			break; /* this slot starts the next page */
		memcpy(buf + used, key, len + 1);
		used += len + 1;
		count++;
	}
	rv_rwlock_unlock(&c->ids.lock);
	rv_rwlock_unlock(&x->rw);
	*cursor = slot;
	return count;
}

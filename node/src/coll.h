/*
 * coll.h: the life of a native collection (coll.c).
 *
 * A native collection (rvn_coll) belongs to one JS object (napi_wrap).
 * Every job in flight holds a strong reference to that object, so it cannot
 * be garbage-collected while a worker thread uses the C handle, and counts
 * itself in `pending`. close() marks the collection closed at once (later
 * calls throw RV_ECLOSED) and frees the C handle when `pending` reaches zero,
 * because rv_collection_free() must not run while a call is running.
 * All of this state is touched on the JS thread only, so it needs no lock.
 *
 * Persistent collections. A collection opened through a native Database
 * (db.c) is "owned": it holds a strong reference to the Database's JS
 * object, so the database outlives its collections, and it sits on the
 * database's list of open children. Freeing it (rv_collection_free) closes
 * its log and may checkpoint, which can take long, so close() queues that
 * on a worker thread and returns a Promise. Closing the database first
 * requires that no child has a job in flight (lib/ closes the children
 * first); children still open are then closed by rv_db_close() itself and
 * their handles forgotten. Only a garbage-collected collection that was
 * never closed is freed on the JS thread, by its finalizer.
 *
 * Adoption. db.c opens the core's handle on a worker thread and then builds
 * the Collection object around it (rvn_coll_adopt_new): the handle reaches
 * the constructor inside an external that only this file makes
 * (type-tagged, used once), so JS code cannot forge one.
 */
#ifndef RVN_COLL_H
#define RVN_COLL_H

#include "base.h"

/* Wrap `rc` in the new Collection object `self` and tag it. False after
 * an N-API failure; when the wrap itself failed, rc is freed too. */
bool rvn_coll_wrap(napi_env env, napi_value self, rvn_coll *rc);
/* The rvn_coll behind `this`, checked by type tag; NULL after throwing when
 * `this` is not a Collection, or it is closed (when need_open). */
rvn_coll *rvn_this(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv,
                   napi_value *self, bool need_open);
/* A job finished: drop the count and free the handle if it is due
 * (`self`: the collection's JS object, which the job still holds). */
void rvn_release(napi_env env, rvn_coll *rc, napi_value self);
/* Free rc->c now and account for it (in-memory, or a finalizer's last resort). */
void rvn_coll_free_now(rvn_coll *rc);
/* rc->c was freed elsewhere (by rv_db_close): forget it and account for it. */
void rvn_coll_forget(rvn_coll *rc);
/* Unlink a persistent collection from its owner and drop the reference. */
void rvn_coll_detach(napi_env env, rvn_coll *rc);
/* Resolve (err NULL) or reject a waiting close() of a persistent collection. */
void rvn_coll_settle_waiter(napi_env env, rvn_coll *rc, napi_value err);
/* The Collection method close() (see coll.c). */
napi_value rvn_coll_close(napi_env env, napi_callback_info info);
/* Build the Collection object that adopts `c`, opened through the Database
 * `rd` whose JS object is `db_obj`. NULL with an exception pending (or
 * none) when that fails; `c` is then still the caller's. */
napi_value rvn_coll_adopt_new(napi_env env, napi_value db_obj, rvn_db *rd, rv_collection *c);
/* The adopting constructor: `ext` is what rvn_coll_adopt_new passes to new
 * Collection(); fills rc from it. False (after throwing) if `ext` is not
 * one of ours. */
bool rvn_adopt(napi_env env, napi_value ext, rvn_coll *rc);

#endif

/*
 * collection.h: the collection layer's internal header.
 *
 * A collection is an index plus an id map. A persistent one also has a
 * `persist` part: its directory, current log and generation. Every write
 * goes through the same three steps whether or not it is persistent:
 * validate and log under `wlock`, apply under `wlock`, then (after
 * releasing it) wait for the log to be durable. Replay at open calls the
 * apply step directly.
 *
 * The files, lowest first; each calls only files listed before it (and
 * idmap.c, payload.c, filter.c, pindex.c, which call none of these), so no
 * two call each other (scripts/check-cycles.py checks it):
 *   options.c      option defaults and bounds
 *   state.c        the collection object, validation, the apply step
 *   calib.c        the stored calibrations: their encoding, set and get
 *   manifest.c, log.c, replay.c, checkpoint.c, load.c, backup.c,
 *   verify.c       persistence, by phase (persist.h: the on-disk format)
 *   hyper.c, hyper_replay.c
 *                  the hypergraph store, and its part of replay, load
 *                  and check (hyper.h); state.c detaches through hyper.c
 *   query.c        searches
 *   hyper_query.c, hyper_api.c
 *                  hypergraph reads, and its writes
 *   conformal.c    calibration and conformal searches (over query.c)
 *   collection.c   the public API for writes and upkeep
 *   db.c           databases, and closing a collection
 */
#ifndef RV_COLLECTION_H
#define RV_COLLECTION_H

#include <stdatomic.h>
#include <stdbool.h>

#include "../index/index.h"
#include "idmap.h"
#include "payload.h"
#include "pindex.h"
#include "ruvector.h"

typedef struct rv_persist rv_persist;
struct rv_hyper;

struct rv_collection {
	rv_options opts;       /* as given, defaults resolved */
	unsigned threads;      /* resolved opts.threads */
	rv_index *index;
	rv_idmap ids;
	rv_payloads payloads;  /* per slot; its lock also guards pidx */
	rv_pindexes pidx;      /* payload indexes (pindex.h) */
	rv_mutex wlock;        /* one writer at a time (collection.c) */
	_Atomic size_t live;   /* ids mapped; written under wlock */
	size_t since_connect;  /* vectors linked since the last reachability pass (wlock) */
	bool readonly;         /* writes fail with RV_EREADONLY */
	rv_persist *persist;   /* NULL for an in-memory collection */
	rv_db *db;             /* the database it belongs to, or NULL */
	struct rv_hyper *hyper; /* hyperedges over the records (hyper.h) */
	rv_mutex calib_mu;     /* guards calib: held only to copy it (calib.c) */
	rv_calibration calib;  /* stored calibrations (conformal.c), zeros when none */
	char name[RV_NAME_MAX + 1];
};

typedef enum write_mode {
	MODE_INSERT = 0, /* the ids must be new */
	MODE_UPSERT = 1, /* new or replacing */
	MODE_UPDATE = 2  /* the ids must exist */
} write_mode;

/* ---- options.c: rv_options_check() is in ruvector.h ---- */

/* ---- state.c ---- */
/* A new, empty collection object (no persistence attached). */
int rv_coll_new(const rv_options *o, rv_collection **out);
/* Free the object (in-memory parts only). */
void rv_coll_destroy(rv_collection *c);
/* Validation used by replay as well as the API: an id of len bytes (a NUL
 * within them is an error), a NUL-terminated id (its length into *len), a
 * vector. what/index name the entry in the message (what NULL: none). */
int rv_coll_check_id(const rv_collection *c, const char *id, size_t len, const char *what, size_t index);
int rv_coll_check_id_str(const rv_collection *c, const char *id, size_t *len, const char *what, size_t index);
int rv_coll_check_vector(const rv_collection *c, const float *v, size_t dim, const char *what, size_t index);
/* Apply, with wlock held and everything validated (ids distinct unless
 * upserting; existence matching the mode). RV_OK, or an error with the
 * collection unchanged. */
int rv_coll_apply_insert(rv_collection *c, size_t n, const char *const *ids, const float *vecs, bool upsert,
                         const uint8_t *const *payloads, bool keep_payloads);
void rv_coll_apply_delete(rv_collection *c, size_t n, const char *const *ids);
/* Set the payload of an existing id (a copy of blob, NULL clears). */
int rv_coll_apply_payload(rv_collection *c, const char *id, const uint8_t *blob);
/* Define and build a payload index. RV_OK (also when it exists). */
int rv_coll_apply_index(rv_collection *c, const char *key, size_t keylen, rv_index_kind kind);
/* Drop an index: RV_OK, or RV_ENOTFOUND. */
int rv_coll_apply_unindex(rv_collection *c, const char *key, size_t keylen, rv_index_kind kind);
/* After slots were renumbered (index rw held exclusively): payloads and
 * their indexes follow. `prepared` from rv_payloads_renumber_prepare(). */
void rv_coll_renumber_payloads(rv_collection *c, void *prepared, const uint32_t *old_to_new, size_t n);
/* Upkeep, wlock held: repair when the queue of deletions is long enough;
 * renumber slots for locality (skipped when memory is short); train the
 * quantizer on the stored vectors (RV_OK or a code, the reason in why). */
void rv_coll_maybe_repair(rv_collection *c);
void rv_coll_reorder(rv_collection *c);
int rv_coll_train_quantizer(rv_collection *c, char *why, size_t why_size);
/* Free n owned payload blobs and the array (b may be NULL). */
void rv_coll_free_blobs(uint8_t **b, size_t n);

/* ---- calib.c ---- */
#define RV_CALIB_BYTES 64
/* The stored form (persist.h, CALIBRATION). */
void rv_calib_encode(const rv_calibration *k, unsigned char out[RV_CALIB_BYTES]);
/* RV_OK, or RV_ECORRUPT with *why naming the field out of range. */
int rv_calib_decode(const unsigned char *b, size_t len, rv_calibration *k, const char **why);
/* Replace the stored calibrations (the apply step; wlock held). */
void rv_coll_apply_calib(rv_collection *c, const rv_calibration *k);
/* ---- query.c ---- */
/* The k best for a validated query under p (filter, exact, MMR); index
 * rw held shared. Returns the count or a negative code. */
int rv_coll_search_plan(rv_collection *c, rv_scratch *s, const float *q, size_t k, const rv_search_params *p,
                        rv_cand *out);
/* Exact ties by id (an rv_tie_fn over &c->ids). */
int rv_coll_tie_by_id(void *ctx, uint32_t a, uint32_t b);
/* Write n results as hits (ids into idbuf); index rw held shared. scores
 * NULL: -distance. Returns n or RV_ERANGE. */
int rv_coll_fill_hits(rv_collection *c, const rv_cand *res, int n, const float *scores, rv_hit *hits, char *idbuf,
                      size_t idbuf_size);

/* ---- catalog.c: which collections a database holds ---- */

/* A set of names: rv_malloc'd NUL-terminated copies, sorted. */
typedef struct rv_namelist {
	char **v;
	size_t n, cap;
} rv_namelist;
void rv_names_free(rv_namelist *l);
bool rv_names_has(const rv_namelist *l, const char *name);
int rv_names_add(rv_namelist *l, const char *name, size_t len); /* RV_ENOMEM */
void rv_names_remove(rv_namelist *l, const char *name);
/* RV_OK or RV_EINVAL (with a message on h) for a collection name. */
int rv_coll_check_name(const void *h, const char *name);
/* Does dir hold a MANIFEST? */
bool rv_coll_has_manifest(const char *dir);
/* Read DBPATH/CATALOG into *l (empty and *present false when absent). */
int rv_catalog_read(const void *h, const char *dbpath, rv_namelist *l, bool *present);
/* Replace DBPATH/CATALOG atomically with l. */
int rv_catalog_write(const void *h, const char *dbpath, const rv_namelist *l);
/* RV_ECORRUPT (message on h naming what is missing) when the collection
 * is damaged; else RV_OK with *exists saying whether it is there. */
int rv_catalog_state(const void *h, const char *dbpath, const rv_namelist *cat, const char *name, bool *exists);
/* Every collection name, damaged ones included (catalogued, or a directory
 * with a manifest or with data). */
int rv_catalog_all(const void *h, const char *dbpath, rv_namelist *l);

/* ---- persistence (persist.h lists the files) ---- */
/* What a writer holds between logging and committing. */
typedef struct rv_ticket {
	struct rv_wal *wal;
	uint64_t start, end;
} rv_ticket;

/* Log a write (wlock held). RV_OK with a ticket, or an error (nothing
 * logged). In-memory collections: RV_OK and an empty ticket. */
int rv_persist_log_insert(rv_collection *c, size_t n, const char *const *ids, const float *vecs, write_mode mode,
                          rv_ticket *t);
int rv_persist_log_insert_payloads(rv_collection *c, size_t n, const char *const *ids, const float *vecs,
                                   write_mode mode, const uint8_t *const *payloads, rv_ticket *t);
int rv_persist_log_delete(rv_collection *c, size_t n, const char *const *ids, rv_ticket *t);
int rv_persist_log_payload(rv_collection *c, const char *id, const uint8_t *blob, rv_ticket *t);
/* The INDEX frame, or with `drop` the UNINDEX frame. */
int rv_persist_log_index(rv_collection *c, const char *key, size_t keylen, rv_index_kind kind, bool drop,
                         rv_ticket *t);
/* Log a frame of another kind (the hypergraph's, hyper_api.c), given in parts. */
int rv_persist_log_frame(rv_collection *c, uint8_t type, const void *const *parts, const size_t *lens, int nparts,
                         rv_ticket *t);
int rv_persist_log_calib(rv_collection *c, const rv_calibration *k, rv_ticket *t);
/* Take back a logged write whose apply failed (wlock held). */
void rv_persist_unlog(rv_collection *c, rv_ticket *t);
/* Wait until the logged write is durable per the setting (wlock NOT held). */
int rv_persist_commit(rv_collection *c, rv_ticket *t);
/* After a write: checkpoint if the log has grown past the threshold. */
void rv_persist_after_write(rv_collection *c);
/* Create a collection's files in dir (manifest, first log), then attach. */
int rv_persist_create(rv_collection *c, const char *dir, const rv_db_options *dbo);
/* Load a collection's files from dir into c (options read from the
 * manifest by rv_persist_read_options first). */
int rv_persist_load(rv_collection *c, const char *dir, const rv_db_options *dbo);
int rv_persist_read_options(const void *handle, const char *dir, rv_options *o);
/* The generation the manifest names now. */
int rv_persist_generation(const void *handle, const char *dir, uint64_t *gen);
/* Checkpoint; with compact, also renumber the live vectors densely first. */
int rv_persist_checkpoint(rv_collection *c, bool compact);
/* Detach and close the files (checkpointing first if the log is big). */
int rv_persist_close(rv_collection *c);
void rv_persist_stats(rv_collection *c, rv_storage_stats *out);
/* Copy the collection's files to dest_dir consistently (backup). */
int rv_persist_backup(rv_collection *c, const char *dest_dir);
/* Verify a collection's files (no collection object needed). */
int rv_persist_verify(const void *handle, const char *dir, char *problem, size_t size);
/* The live count of the collection in dir without loading it (rv_db_count). */
int rv_persist_count(const void *handle, const char *dir, uint64_t *count);
/* Report (and, when apply, cut) a damaged log tail of the collection in
 * dir (rv_db_repair); the caller holds the database's write lock. */
int rv_persist_repair(const void *handle, const char *dir, bool apply, rv_repair_report *r);

#endif

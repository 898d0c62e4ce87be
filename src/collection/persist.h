/*
 * persist.h: what a persistent collection writes (the on-disk format, in
 * full), and the internal interface between the files that write and read
 * it. The entry points the rest of the collection layer calls are the
 * rv_persist_* functions in collection.h.
 *
 * The files, by phase, lowest first (none calls a file above it):
 *   manifest.c    the directory's layout: file names, the MANIFEST, and
 *                 removing what no generation uses
 *   log.c         logging a write as one frame (and taking it back)
 *   replay.c      applying the frames of a log at open
 *   checkpoint.c  writing a segment and starting a new generation
 *   load.c        opening (segment, then replay) and closing a collection
 *   backup.c      copying a collection's files consistently
 *   verify.c      checking a collection's files and its graph
 * Each opens with what it does and what to watch; the format is here only.
 *
 * A collection's directory holds
 *   MANIFEST          the current generation and the collection's options
 *   seg-<gen>.rvs     the segment written by checkpoint <gen> (none at 1)
 *   wal-<gen>.log     the log of every write since that checkpoint
 * and nothing else that matters: anything else named seg-*, wal-* or *.tmp
 * is left over from a checkpoint that did not finish, and opening removes it.
 *
 * MANIFEST payload (a record file, storage/files.c), 96 bytes:
 *   0  u64 generation           8  u32 has segment (0 or 1)
 *   12 u32 dim                  16 u32 metric
 *   20 u32 m                    24 u32 ef_construction
 *   28 f32 prune_alpha          32 u32 ef_search
 *   36 u32 exact_threshold      40 u32 repair_batch
 *   44 u32 threads              48 u64 seed
 *   56 u32 quant                60 u32 quant_pq_m
 *   64 u32 quant_train          68 28 bytes zero
 * (Format 1 wrote zeros from 56: no quantization, as it had none.)
 *
 * SEGMENT sections (storage/segment.c gives each its checksums):
 *   1  META     64 bytes: u32 slots, u32 dim, u32 metric, u32 m,
 *               u64 entry point, u64 level generator position,
 *               u64 live vectors, u64 upper-level words, 16 zero
 *   2  VECTORS  slots x dim float32 (normalised for cosine)
 *   3  LINKS0   slots x 2m uint32, RV_NO_SLOT for unused
 *   4  LEVELS   slots x uint8
 *   5  FLAGS    slots x uint8: 0 free, 1 used (deletions are repaired first)
 *   6  UPPER    for each slot with level L > 0, in slot order, L x m uint32
 *   7  NORMS    slots x float32 (cosine only)
 *   8  IDARENA  per used slot in slot order: u8 length, the id, a NUL
 *   9  IDOFFS   slots x u64: offset of the slot's id in IDARENA, or ~0
 *   10 IDBUCKS  the id hash table: buckets x (u32 slot, u32 hash)
 *   11 QPARAMS  the trained quantizer (quant/quant.c's serialised form),
 *               present once it is trained
 *   12 CODES    slots x the quantizer's code bytes, with QPARAMS
 *   13 POFFS    slots x u64: offset of the slot's payload in PBLOBS, or ~0;
 *               present when any slot has a payload
 *   14 PBLOBS   the payloads, each as payload.h encodes it (its own length
 *               first), with POFFS
 *   15 PINDEX   the payload indexes: per index u8 kind (1 keyword,
 *               2 numeric, 3 text), u8 key length, the key; present when
 *               there is one. Indexes are rebuilt from the payloads at open.
 * Sections 13-15 came with payloads; a segment without them has none, so
 * segments written before still open.
 *   20 CALIB    the stored calibrations (CALIBRATION below); present when
 *               the collection has one
 *   30 HEDGES   the hyperedges (hyper.h), present when there are any:
 *               u64 count, then count x HYPEREDGE (below), in no order.
 *               Their embeddings' HNSW index is rebuilt at open.
 *
 * HYPEREDGE (log frames 10 and section 30 alike):
 *   u8 flags (1 ordered, 2 embedding, 4 payload), u8 0, u16 members
 *   (2..RV_HEDGE_MEMBERS_MAX); f32 confidence; i64 valid_from, i64
 *   valid_to (ms, UTC); u32 description length, the description; with
 *   flag 2, dim x f32; with flag 4, a payload (payload.h); members x
 *   (u8 length, record id); u8 id length, the hyperedge's id. Ids come
 *   last so that a frame ends in a byte that is not NUL (storage/wal.c, T3).
 *
 * LOG FRAMES (storage/wal.c carries them):
 *   1 INSERT  u32 n, u8 mode (0 insert, 1 upsert, 2 update), 3 zero,
 *             n x dim float32, then n x (u8 length, id bytes)
 *   2 DELETE  u32 n, 4 zero, then n x (u8 length, id bytes)
 *   3 INSERT_P an insert with payloads: as INSERT, with between the floats
 *             and the ids: u32 bytes, then n x (a payload, or u32 0: none)
 *   4 PAYLOAD u32 1, 4 zero, a payload or u32 0 (none), then the id as
 *             (u8 length, id bytes)
 *   5 INDEX   u32 1, u8 kind, 3 zero, then the key's bytes
 *   6 CALIB   u32 1, 4 zero, then a calibration record (CALIBRATION):
 *             the collection's calibrations from then on
 *   7 UNINDEX as INDEX: the index of that kind and key is dropped
 *   10 HEDGE_PUT u32 n, 4 zero, then n x HYPEREDGE (below): put, replacing
 *             a hyperedge of the same id
 *   11 HEDGE_DEL u32 n, 4 zero, then n x (u8 length, hyperedge id)
 * (Frames 10-19 belong to the hypergraph; deleting a record detaches it
 * from its hyperedges at replay of the DELETE, by the rule in hyper.h.)
 * A frame is one call, so a batch is atomic (replay.c says how a frame is
 * applied).
 *
 * CALIBRATION (calib.c), 64 bytes, all little-endian:
 *   0  u32 flags: 1 conformal, 2 target recall (either, both or none)
 *   conformal (zero unless flag 1):
 *   4  u32 score (0 distance, 1 rank, 2 ratio)    8  f32 alpha
 *   12 u32 n                             16 f64 threshold (+inf allowed)
 *   24 u32 scored +inf                   28 u32 k
 *   32 u32 cap                           36 u32 ef
 *   target recall (zero unless flag 2):
 *   40 f32 target                        44 u32 k
 *   48 u32 ef chosen                     52 u32 n
 *   56 f32 bound                         60 u32 zero
 * Frames 6-7, 10-11 and sections 20, 30 came with format 4 (storage.h): a
 * reader of format 3 refuses these files by their version.
 */
#ifndef RV_PERSIST_H
#define RV_PERSIST_H

#include "../storage/storage.h"
#include "../util/hashtab.h"
#include "collection.h"

#define MANIFEST_MAGIC "RVMANIFS"
#define MANIFEST_BYTES 96
#define FRAME_INSERT 1
#define FRAME_DELETE 2
#define FRAME_INSERT_P 3
#define FRAME_PAYLOAD 4
#define FRAME_INDEX 5
#define FRAME_CALIB 6
#define FRAME_UNINDEX 7
#define FRAME_HEDGE_PUT 10
#define FRAME_HEDGE_DEL 11
#define SEC_HEDGES 30
#define NO_KEY UINT64_MAX

enum { SEC_META = 1, SEC_VECTORS, SEC_LINKS0, SEC_LEVELS, SEC_FLAGS, SEC_UPPER, SEC_NORMS, SEC_IDARENA,
       SEC_IDOFFS, SEC_IDBUCKS, SEC_QPARAMS, SEC_CODES, SEC_POFFS, SEC_PBLOBS, SEC_PINDEX, SEC_CALIB = 20 };

/* A persistent collection's part (c->persist); created by load.c. */
struct rv_persist {
	char *dir;
	uint64_t gen;
	bool has_segment;
	rv_wal *wal;             /* current log; one reference is ours */
	rv_wal_params wp;
	uint64_t checkpoint_bytes;
	rv_mutex mu;             /* guards `wal` for readers outside wlock (stats) */
};

/* ---- manifest.c ---- */
/* dir/<prefix><gen as 6 digits><suffix>, allocated; NULL when out of memory. */
char *rv_persist_file(const char *dir, const char *prefix, uint64_t gen, const char *suffix);
/* Read dir/MANIFEST: options (checked), generation, whether a segment exists. */
int rv_manifest_read(const void *h, const char *dir, rv_options *o, uint64_t *gen, bool *has_seg);
/* Replace dir/MANIFEST (storage/files.c rv_record_write: renamed as there). */
int rv_manifest_write(const void *h, const char *dir, const rv_options *o, uint64_t gen, bool has_seg,
                      bool *renamed);
/* Remove everything in p->dir that generation p->gen does not use. */
void rv_persist_clean_dir(rv_persist *p);

/* ---- replay.c ---- */
/* A replay in progress: the collection, and the inserts gathered but not
 * yet applied (replay.c, "Batched replay"). */
typedef struct rv_replay {
	rv_collection *c;
	size_t n, cap;       /* entries gathered; room for */
	bool update;         /* their mode: update (payloads kept) or not */
	bool any_payload;
	float *vecs;         /* cap x dim */
	char *idstore;       /* cap x (RV_ID_MAX + 1), NUL-terminated ids */
	size_t *poff;        /* cap: offset of a payload in parena, SIZE_MAX none */
	uint8_t *parena;
	size_t plen, pcap;
	rv_hashtab idset;    /* the gathered ids -> entry */
} rv_replay;
void rv_replay_init(rv_replay *r, rv_collection *c);
/* The rv_wal_open callback (ctx: an rv_replay): apply one frame, or gather
 * it (wlock held). RV_ECORRUPT for a frame that fails validation. */
int rv_persist_replay_frame(void *ctx, uint8_t type, const unsigned char *pl, size_t len);
/* Apply what is gathered; after the last frame. */
int rv_replay_flush(rv_replay *r);
void rv_replay_free(rv_replay *r);

/* ---- hyper_replay.c ---- */
/* Replay a FRAME_HEDGE_* frame (RV_ECORRUPT when it fails validation). */
int rv_hyper_replay_frame(rv_collection *c, uint8_t type, const unsigned char *pl, size_t len);
/* Load section HEDGES's bytes; RV_ECORRUPT with why. */
int rv_hyper_load(rv_collection *c, const unsigned char *b, size_t len, char *why, size_t why_size);
/* The hypergraph's consistency with the records (check); RV_ECORRUPT with why. */
int rv_hyper_verify(rv_collection *c, char *why, size_t why_size);

#endif

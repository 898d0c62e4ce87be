/*
 * storage.h: files, formats and checksums. This layer knows nothing about
 * vectors: it offers
 *   - record files: one small checksummed payload, replaced atomically
 *     (the database marker, collection manifests)            files.c
 *   - the write-ahead log: typed, checksummed frames appended and made
 *     durable with group commit                               wal.c
 *   - segment files: immutable, sectioned, every 64 KiB block checksummed,
 *     sections mapped copy-on-write                           segment.c
 * The collection layer (collection/persist.h) decides what goes in them.
 * Each source file opens with the exact format it writes.
 *
 * Every file starts with the same kind of fixed header: an 8-byte magic,
 * the format version, a byte-order mark, the writer's version, and a CRC-32C
 * of the header. All integers are little-endian. A file whose format
 * version is newer than RV_FORMAT_VERSION is refused with RV_EVERSION; one
 * whose byte-order mark reads backwards was written on a machine of the
 * other byte order and is refused with RV_EUNSUPPORTED (segments are mapped
 * as they are, so they cannot be converted on the fly).
 *
 * Sizes read from a file are untrusted: nothing is allocated from a size
 * before it has been checked against the file's actual length.
 */
#ifndef RV_STORAGE_H
#define RV_STORAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../platform/platform.h"
#include "../platform/vfs.h"
#include "ruvector.h"

/* Format versions: 1, the first; 2 added payloads (log frames 3-5, segment
 * sections 13-15; collection/persist.h); 3 made payloads documents (value
 * types 6 and 7, collection/payload.h); 4 added calibrations (log frame 6,
 * section 20), hyperedges (frames 10-11, section 30) and ITQ binary codes
 * (quantizer kind 4): a version-3 reader would refuse the frames as damage
 * and, worse, drop the sections it does not know at its next checkpoint,
 * so it must refuse the files instead. A reader opens every version up
 * to its own, so a binary that predates payloads refuses a version-2 file
 * (RV_EVERSION) instead of stopping its replay at the first frame it does
 * not know and losing what follows. */
#define RV_FORMAT_VERSION 4u
#define RV_BYTE_ORDER_MARK 0x01020304u
#define RV_WRITER_VERSION ((uint32_t)(RV_VERSION_MAJOR << 16 | RV_VERSION_MINOR << 8 | RV_VERSION_PATCH))

/* ---- little-endian helpers ---- */
static inline void rv_put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v, p[1] = (unsigned char)(v >> 8), p[2] = (unsigned char)(v >> 16),
	p[3] = (unsigned char)(v >> 24);
}
static inline void rv_put64(unsigned char *p, uint64_t v)
{
	rv_put32(p, (uint32_t)v);
	rv_put32(p + 4, (uint32_t)(v >> 32));
}
static inline uint32_t rv_get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t rv_get64(const unsigned char *p)
{
	return (uint64_t)rv_get32(p) | (uint64_t)rv_get32(p + 4) << 32;
}

/* ---- files.c ---- */

/* Turn a negative errno from the vfs into RV_ENOSPC (disk full) or RV_EIO,
 * recording "path: what: strerror" for `handle`. */
int rv_io_error(const void *handle, int neg_errno, const char *path, const char *what);
/* Join two path parts with '/'; NULL when out of memory. rv_free it. */
char *rv_path_join(const char *dir, const char *name);
/* Check a file header's common fields (magic, version, byte order);
 * returns RV_OK, RV_EFORMAT (not this kind of file), RV_EVERSION or
 * RV_EUNSUPPORTED, with a message naming path. */
int rv_check_header(const void *handle, const char *path, const unsigned char *hdr, const char magic[8]);
/* Write the common header fields into hdr. */
void rv_put_header(unsigned char *hdr, const char magic[8]);

/* Record files: [64-byte header: magic, version, byte order, writer
 * version, payload length, payload CRC, header CRC] [payload]. */
#define RV_RECORD_MAX (16u << 20)
/* Replace dir/name atomically: write dir/name.tmp, sync it, rename it over
 * dir/name, sync dir. On failure *renamed (may be NULL) says whether the new
 * record had already replaced the old one (only the directory sync
 * failed: the new record is what a reader sees now, but a power loss may
 * bring the old one back). */
int rv_record_write(const void *handle, const char *dir, const char *name, const char magic[8],
                    const void *payload, size_t len, bool *renamed);
/* Read and verify a record file. *payload is rv_malloc'd (rv_free it).
 * RV_EIO / RV_EFORMAT / RV_ECORRUPT / RV_EVERSION / RV_EUNSUPPORTED with
 * the path and offset in the message. */
int rv_record_read(const void *handle, const char *path, const char magic[8], void **payload, size_t *len);

/* ---- wal.c ---- */

typedef struct rv_wal rv_wal;
/* Replay callback: apply one frame. Non-zero stops replay with that error. */
typedef int (*rv_wal_apply_fn)(void *ctx, uint8_t type, const unsigned char *payload, size_t len);

typedef struct rv_wal_params {
	rv_durability durability;
	uint32_t sync_interval_ms; /* RV_SYNC_NORMAL */
	bool readonly;             /* replay only; no truncation, no appends */
} rv_wal_params;

/* Create an empty WAL for `generation` (fails if the file exists). */
int rv_wal_create(const void *handle, const char *path, uint64_t generation, const rv_wal_params *p,
                  rv_wal **out);
/* What lies after a log's last valid frame (wal.c, TORN OR DAMAGED). */
enum { RV_WAL_CLEAN, RV_WAL_TORN, RV_WAL_DAMAGED };
typedef struct rv_wal_scan_info {
	uint64_t valid_bytes;      /* end of the last valid frame */
	uint64_t frames;           /* valid frames */
	uint64_t next_seq;         /* sequence number of the first invalid frame */
	uint64_t file_bytes;
	int state;                 /* RV_WAL_CLEAN / TORN / DAMAGED */
	char why[128];             /* what is wrong with the first invalid frame */
	/* RV_WAL_DAMAGED and rv_wal_scan only: what cutting at valid_bytes
	 * drops: frames whose headers are in order (the damaged one first),
	 * how many of them pass their checksum, and the bytes after them that
	 * cannot be read as frames */
	uint64_t dropped_frames, dropped_intact, undelimited_bytes;
} rv_wal_scan_info;

/* Open an existing WAL of `generation`, replaying its valid frames through
 * apply. A torn tail (a write that never completed: wal.c TORN OR DAMAGED)
 * is cut off (ignored when read-only); damage is RV_ECORRUPT naming the
 * file and byte offset, and nothing is cut. */
int rv_wal_open(const void *handle, const char *path, uint64_t generation, const rv_wal_params *p,
                rv_wal_apply_fn apply, void *ctx, rv_wal **out);
/* Append one frame made of nparts pieces. On success *start and *end are
 * the frame's offsets. On a failed write the file is cut back to where it
 * was; if even that fails, the WAL enters its read-only error state. */
int rv_wal_append(rv_wal *w, uint8_t type, const void *const *parts, const size_t *lens, int nparts,
                  uint64_t *start, uint64_t *end);
/* Take back the last frame (it started at `start`), when applying it
 * failed. The caller still holds the lock that serialises appends. */
int rv_wal_unappend(rv_wal *w, uint64_t start);
/* Make the frames up to `end` as durable as the durability setting
 * promises: RV_SYNC_FULL syncs (group commit: one sync covers every writer
 * waiting); NORMAL and OFF return at once. A failed sync puts the WAL in
 * its read-only error state, cuts off frames that were not yet durable, and
 * is never retried. */
int rv_wal_commit(rv_wal *w, uint64_t end);
/* Sync everything written so far, whatever the setting. */
int rv_wal_sync(rv_wal *w);
/* The WAL's frames are now covered by a checkpoint: pending and later
 * commits succeed without syncing. */
void rv_wal_retire(rv_wal *w);
/* Put the log into its read-only error state for a failure outside it
 * (a checkpoint whose manifest rename may not be durable). */
void rv_wal_fail(rv_wal *w, const char *why);
/* Reference counting: the collection holds one; a writer between its
 * append and its commit holds another, so a checkpoint that replaces the
 * WAL cannot free it under the writer. */
void rv_wal_ref(rv_wal *w);
int rv_wal_unref(rv_wal *w); /* the last one closes (and syncs unless retired); returns the error of that */
uint64_t rv_wal_bytes(rv_wal *w);
/* 0, or the error code of the read-only error state. */
int rv_wal_failed(rv_wal *w, const char **why);
/* Called for each frame a repair would drop: type, payload, and whether
 * the frame passes its checksum (the payload of one that does not may be
 * garbage: read it as untrusted). */
typedef void (*rv_wal_tally_fn)(void *ctx, uint8_t type, const unsigned char *payload, size_t len, bool intact);
/* Scan a WAL file without applying: fills *info by the same rule as
 * rv_wal_open (damage is not an error here: info->state says it), calling
 * tally (may be NULL) for the frames after damage. Errors: the header is
 * bad, I/O, out of memory. */
int rv_wal_scan(const void *handle, const char *path, uint64_t generation, rv_wal_tally_fn tally, void *ctx,
                rv_wal_scan_info *info);
/* The RV_ECORRUPT that opening a damaged log reports (file, offset, why). */
int rv_wal_damage_error(const void *handle, const char *path, const rv_wal_scan_info *info);
/* Cut a (closed) log file at byte `at` and sync it: the repair. */
int rv_wal_cut(const void *handle, const char *path, uint64_t at);

/* ---- segment.c ---- */

#define RV_SEG_MAX_SECTIONS 32
#define RV_SEG_BLOCK 65536u
#define RV_SEG_ALIGN 4096u

typedef struct rv_seg_writer rv_seg_writer;
typedef struct rv_segment rv_segment;

/* Start writing path (as path.tmp). */
int rv_seg_begin(const void *handle, const char *path, uint64_t generation, rv_seg_writer **out);
/* Append one section; its data may be given in several calls, all before
 * the next rv_seg_section. */
int rv_seg_section(rv_seg_writer *w, uint32_t kind);
int rv_seg_write(rv_seg_writer *w, const void *data, size_t len);
/* Finish: checksums, header, sync, rename into place, sync the directory.
 * rv_seg_abort drops a writer (removing the temporary file). */
int rv_seg_finish(rv_seg_writer *w);
void rv_seg_abort(rv_seg_writer *w);

/* Open and verify the header and checksum tables of a segment. */
int rv_seg_open(const void *handle, const char *path, rv_segment **out);
void rv_seg_close(rv_segment *s);
uint64_t rv_seg_generation(const rv_segment *s);
uint64_t rv_seg_file_bytes(const rv_segment *s);
/* Length of a section (false when absent). */
bool rv_seg_has(const rv_segment *s, uint32_t kind, uint64_t *len);
/* Verify every block of a section against its checksum (RV_ECORRUPT with
 * file and offset of the first bad block). */
int rv_seg_verify(rv_segment *s, uint32_t kind);
/* A copy of a section's block checksums (rv_free it): one CRC-32C per
 * RV_SEG_BLOCK bytes of its data, *file_off where its data starts. A
 * section that is absent gives n_blocks 0. */
int rv_seg_block_crcs(rv_segment *s, uint32_t kind, uint32_t **crcs, uint32_t *n_blocks, uint64_t *file_off);
/* Read a whole section into a new buffer (verified). */
int rv_seg_read(rv_segment *s, uint32_t kind, void **data, uint64_t *len);
/* Map a section copy-on-write (not verified: call rv_seg_verify for that).
 * map and map_len are what to pass to the vfs munmap; data points at the
 * section inside it. */
int rv_seg_map(rv_segment *s, uint32_t kind, void **data, uint64_t *len, void **map, size_t *map_len);
/* The open file, for copying (backup). */
rv_file *rv_seg_file(rv_segment *s);

#endif

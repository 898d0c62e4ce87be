/*
 * wal.c: the write-ahead log.
 *
 * Every change to a persistent collection is appended here as one frame
 * before the call that made it returns; a checkpoint later folds the log
 * into a segment and a new, empty log replaces it (collection/checkpoint.c).
 *
 * FILE FORMAT
 *
 * Header, 64 bytes:
 *   0   8  magic "RVWALOG1"
 *   8   4  format version
 *   12  4  byte-order mark 0x01020304
 *   16  4  writer version
 *   20  4  header size (64)
 *   24  8  salt: random, different in every log file
 *   32  8  generation: the checkpoint this log continues (it must match the
 *          manifest's, so a log cannot be replayed onto the wrong segment)
 *   40  20 zero
 *   60  4  CRC-32C of bytes 0..59
 *
 * Frames, one after another from byte 64, each 8-byte aligned:
 *   0   4  frame magic 0x52574652 ("RFWR")
 *   4   4  payload length L
 *   8   8  sequence number: 1 for the first frame, then +1
 *   16  1  type (the collection layer's: insert, delete, ...)
 *   17  3  zero
 *   20  4  CRC-32C over the salt (8 bytes, little-endian), bytes 0..19 of
 *          this header, and the payload
 *   24  L  payload
 *   ..     zero padding to a multiple of 8
 *
 * A frame is valid when its magic is right, it lies wholly inside the file,
 * its sequence number is the previous one plus one, its CRC matches and
 * its padding is zero (the CRC does not cover the padding; checking it
 * leaves no byte of a frame unchecked).
 * The salt in the CRC makes a frame left over from another log file (a
 * reused name, a stale block) invalid here.
 *
 * TORN OR DAMAGED: THE ONE RULE. Every reader (a read-only open), the
 * next writer (a writable open) and `check` walk the log the same way
 * (walk() below): read the header (it must be valid and of the expected
 * generation); apply frames in order while they are valid; at the first
 * invalid frame, decide whether it and everything after it are a torn
 * write or damage.
 *   A frame k is TORN (its write never completed) when
 *     T1 the file ends inside it: fewer than 24 bytes remain, or its length
 *        runs past the end of the file. Unless its length field is what is
 *        damaged: the header of frame k+1 lies inside the file after its
 *        own (the log went on), or the bytes to the end of the file are a
 *        whole frame under one of the 8 lengths that give that size (its
 *        CRC, which covers the length, says so): damage;
 *     T2 its 24 header bytes are all zero: nothing of its write landed (the
 *        file grew but the data never came: a dropped or reordered page
 *        write, or a zero-filled preallocated tail);
 *     T3 it lies inside the file but fails its check and its last 8 bytes
 *        are zero: its end never landed (a write torn at a sector, the rest
 *        left zero). A whole frame never ends in 8 zero bytes: every frame
 *        ends with an id or a key and under 8 bytes of padding, and an id
 *        holds no NUL. (An index key ending in 8 NUL characters is the one
 *        exception; a damaged frame of that kind would read as torn.) And
 *        what follows it is what a crash leaves: nothing, zeros, or the
 *        header of frame k+1 (else its length points into data: damage).
 *   A torn frame k and everything after it were never acknowledged: a
 *   sync that acknowledged any later frame covered frame k too (frames are
 *   written in order into one file), so k would be whole. Under `normal`
 *   and `off` such frames are the writes those settings may lose by their
 *   promise. So the log ends at frame k: readers ignore the rest, the next
 *   writer cuts it (and syncs) before appending, and `check` passes.
 *   Anything else is DAMAGE: a whole frame whose checksum fails and whose
 *   end is not zero (a flipped bit; also a torn write that left garbage
 *   rather than zeros, which no reader can tell from a flipped bit), a
 *   header that is neither zero nor in order, a length field that skips
 *   the next frame. Then every open, read-only or not, fails with
 *   RV_ECORRUPT naming the file and byte offset, `check` fails the same
 *   way, and nothing is cut: only `ruvector repair` (rv_db_repair) cuts the
 *   log there, when asked, after saying how many frames and records that
 *   drops (rv_wal_scan with a tally; rv_wal_cut).
 *   Not detectable by any rule: a log cut short by something other than a
 *   crash (a truncate, a lost file tail) reads as torn at the cut, and a
 *   cut at a frame boundary as a shorter, valid log: nothing but the log
 *   records its length.
 *
 * DURABILITY AND GROUP COMMIT. Appends happen under the log's mutex
 * (callers also serialise them); making them durable does not: a writer
 * that needs its frame synced waits on a condition variable while one
 * writer (the leader) syncs everything written so far, then every waiter
 * whose frame that covered returns. A sync that fails moves the log into a
 * read-only error state for good: the frames not yet known durable are cut
 * off (their callers get the error and were never acknowledged) and every
 * later append fails. It is never retried: after a failed fsync the kernel
 * may have dropped the dirty pages and report success next time.
 * RV_SYNC_NORMAL runs a flusher thread that syncs every interval;
 * RV_SYNC_OFF never syncs.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../kernels/kernels.h"
#include "../util/alloc.h"
#include "../util/error.h"
#include "storage.h"

#define WAL_MAGIC "RVWALOG1"
#define WAL_HEADER 64
#define FRAME_MAGIC 0x52574652u
#define FRAME_HEADER 24

struct rv_wal {
	const void *owner;     /* handle for error messages */
	char *path;
	rv_file *f;
	uint64_t salt, generation;
	rv_wal_params p;
	rv_mutex mu;           /* guards everything below */
	rv_cond cv;            /* sync finished / state changed */
	uint64_t next_seq;
	uint64_t end;          /* offset after the last whole frame */
	uint64_t synced;       /* frames before this offset are durable */
	bool syncing;          /* a leader is inside vfs->sync */
	bool retired;          /* covered by a checkpoint */
	int failed;            /* read-only error state: the error code */
	char why[256];         /* and its message */
	int refs;
	unsigned char *buf;    /* frame assembly */
	size_t buf_cap;
	rv_thread flusher;
	bool flusher_on, stop;
};

static uint64_t random_salt(const void *path)
{
	/* Unpredictability is not needed, only difference between files:
	 * the clock, the address of this log, and the path. */
	uint64_t x = rv_now_ns() ^ (uint64_t)(uintptr_t)path;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

static int set_failed(rv_wal *w, int code, const char *fmt, const char *path, const char *err)
{
	if (!w->failed) {
		w->failed = code;
		snprintf(w->why, sizeof w->why, fmt, path, err);
	}
	rv_cond_broadcast(&w->cv);
	return code;
}

static int read_header(const void *h, const char *path, rv_file *f, uint64_t generation, uint64_t *salt)
{
	unsigned char hdr[WAL_HEADER];
	size_t got;
	int e = rv_vfs_current()->pread(f, hdr, sizeof hdr, 0, &got);
	if (e != 0)
		return rv_io_error(h, e, path, "cannot read");
	if (got < sizeof hdr)
		return rv_error(h, RV_EFORMAT, "%s: truncated at byte %zu: the log header needs %d", path, got, WAL_HEADER);
	int rc = rv_check_header(h, path, hdr, WAL_MAGIC);
	if (rc != RV_OK)
		return rc;
	if (rv_get32(hdr + 60) != rv_crc32c(0, hdr, 60))
		return rv_error(h, RV_ECORRUPT, "%s: byte 60: log header checksum mismatch", path);
	if (rv_get32(hdr + 20) != WAL_HEADER)
		return rv_error(h, RV_ECORRUPT, "%s: byte 20: log header size %u", path, rv_get32(hdr + 20));
	if (rv_get64(hdr + 32) != generation)
		return rv_error(h, RV_ECORRUPT, "%s: byte 32: log of generation %llu, the manifest expects %llu", path,
		                (unsigned long long)rv_get64(hdr + 32), (unsigned long long)generation);
	*salt = rv_get64(hdr + 24);
	return RV_OK;
}

static uint32_t frame_crc(uint64_t salt, const unsigned char *hdr20, const void *payload, size_t len)
{
	unsigned char s[8];
	rv_put64(s, salt);
	uint32_t c = rv_crc32c(0, s, 8);
	c = rv_crc32c(c, hdr20, 20);
	return rv_crc32c(c, payload, len);
}

static inline uint64_t frame_size(uint64_t payload) { return (FRAME_HEADER + payload + 7) & ~(uint64_t)7; }

/* Does a frame header numbered `seq` (right magic, zero reserved bytes,
 * lying inside the file) start at an 8-aligned offset in [from, size)?
 * Asked only about a frame that runs past the end of the file, to tell a
 * torn last frame (nothing valid-looking after it) from a damaged length
 * field (the next frame is there). One pass over the rest of the file in
 * blocks; no payload is read, so a crafted file cannot make it slow. */
static int frame_follows(const void *h, const char *path, rv_file *f, uint64_t from, uint64_t size, uint64_t seq,
                         bool *found)
{
	enum { CHUNK = 65536 };
	unsigned char *buf = rv_malloc(CHUNK + FRAME_HEADER);
	int rc = RV_OK;
	*found = false;
	if (!buf)
		return rv_error(h, RV_ENOMEM, "out of memory reading %s", path);
	for (uint64_t base = from; !*found && base + FRAME_HEADER <= size; base += CHUNK) {
		size_t want = size - base < CHUNK + FRAME_HEADER ? (size_t)(size - base) : CHUNK + FRAME_HEADER, got;
		int e = rv_vfs_current()->pread(f, buf, want, base, &got);
		if (e != 0) {
			rc = rv_io_error(h, e, path, "cannot read");
			break;
		}
		for (size_t i = 0; i < CHUNK && i + FRAME_HEADER <= got && !*found; i += 8) {
			const unsigned char *fh = buf + i;
			*found = rv_get32(fh) == FRAME_MAGIC && rv_get64(fh + 8) == seq && !fh[17] && !fh[18] && !fh[19] &&
			         base + i + frame_size(rv_get32(fh + 4)) <= size;
		}
	}
	rv_free(buf);
	return rc;
}

/* T1's second guard: does a whole frame with another length end exactly
 * at the end of the file here? Then this is the last frame, complete, with
 * its length field damaged (a flipped high bit sends it past the end), not
 * a torn write. At most 8 lengths give that size; each is tried against
 * the CRC, which covers the length. */
static int whole_with_other_length(const void *h, const char *path, rv_file *f, uint64_t salt,
                                   const unsigned char *hdr, uint64_t off, uint64_t size, bool *found)
{
	*found = false;
	uint64_t rest = size - off;
	if (rest < FRAME_HEADER + 8 || rest % 8 || rest - FRAME_HEADER > UINT32_MAX)
		return RV_OK;
	size_t body = (size_t)(rest - FRAME_HEADER), got;
	unsigned char *buf = rv_malloc(body), h20[20];
	if (!buf)
		return rv_error(h, RV_ENOMEM, "out of memory reading %s", path);
	int rc = RV_OK, e = rv_vfs_current()->pread(f, buf, body, off + FRAME_HEADER, &got);
	if (e != 0)
		rc = rv_io_error(h, e, path, "cannot read");
	memcpy(h20, hdr, 20);
	for (size_t len = body; rc == RV_OK && got == body && len + 8 > body && !*found; len--) {
		rv_put32(h20 + 4, (uint32_t)len);
		*found = rv_get32(hdr + 20) == frame_crc(salt, h20, buf, len);
		if (len == 0)
			break;
	}
	rv_free(buf);
	return rc;
}

/* T3's guard: a frame whose end is zero is torn only if what follows it is
 * what a crash leaves: nothing, zeros, or the header of the next frame in
 * order (written, like it, after the last sync). Anything else means its
 * length field points into the middle of data: damage. */
static int next_is_torn_or_in_order(const void *h, const char *path, rv_file *f, uint64_t at, uint64_t size,
                                    uint64_t seq, bool *ok)
{
	unsigned char nh[FRAME_HEADER];
	size_t want = size - at < FRAME_HEADER ? (size_t)(size - at) : FRAME_HEADER, got = 0;
	*ok = true;
	if (want == 0)
		return RV_OK;
	int e = rv_vfs_current()->pread(f, nh, want, at, &got);
	if (e != 0)
		return rv_io_error(h, e, path, "cannot read");
	bool zero = true;
	for (size_t i = 0; i < got; i++)
		zero = zero && nh[i] == 0;
	*ok = zero || (got == FRAME_HEADER && rv_get32(nh) == FRAME_MAGIC && rv_get64(nh + 8) == seq);
	return RV_OK;
}

/* Walk the frames. For each valid one call apply (if set). Stops at the
 * first invalid frame and classifies what lies from there to the end of the
 * file by the rule above (r->state, r->why). */
static int walk(const void *h, const char *path, rv_file *f, uint64_t salt, uint64_t size, rv_wal_apply_fn apply,
                void *ctx, rv_wal_scan_info *r)
{
	const rv_vfs *vfs = rv_vfs_current();
	uint64_t off = WAL_HEADER, seq = 1, n = 0;
	unsigned char *buf = NULL;
	size_t cap = 0;
	int rc = RV_OK;
	r->state = RV_WAL_CLEAN;
	r->why[0] = '\0';
	for (;;) {
		unsigned char hdr[FRAME_HEADER];
		size_t got;
		if (off >= size)
			break;
		if (off + FRAME_HEADER > size) {
			r->state = RV_WAL_TORN; /* T1: the file ends inside a header */
			snprintf(r->why, sizeof r->why, "the file ends inside the header of frame %llu", (unsigned long long)seq);
			break;
		}
		int e = vfs->pread(f, hdr, FRAME_HEADER, off, &got);
		if (e != 0) {
			rc = rv_io_error(h, e, path, "cannot read");
			break;
		}
		uint32_t len = rv_get32(hdr + 4);
		bool shape = got == FRAME_HEADER && rv_get32(hdr + 0) == FRAME_MAGIC && rv_get64(hdr + 8) == seq &&
		             hdr[17] == 0 && hdr[18] == 0 && hdr[19] == 0;
		if (!shape) {
			bool zero = got == FRAME_HEADER;
			for (size_t i = 0; i < got && zero; i++)
				zero = hdr[i] == 0;
			/* T2: nothing of this frame's write landed */
			r->state = zero ? RV_WAL_TORN : RV_WAL_DAMAGED;
			snprintf(r->why, sizeof r->why, zero ? "frame %llu was never written (its header is zero)"
			                                     : "frame %llu has a bad header (magic, sequence number or reserved "
			                                       "bytes)",
			         (unsigned long long)seq);
			break;
		}
		uint64_t fsz = frame_size(len);
		if (off + fsz > size) {
			/* T1: runs past the end: torn, unless the next frame's header
			 * follows (then its length field was damaged and the log went
			 * on) */
			bool follows;
			rc = frame_follows(h, path, f, off + FRAME_HEADER, size, seq + 1, &follows);
			if (rc == RV_OK && !follows)
				rc = whole_with_other_length(h, path, f, salt, hdr, off, size, &follows);
			if (rc != RV_OK)
				break;
			r->state = follows ? RV_WAL_DAMAGED : RV_WAL_TORN;
			snprintf(r->why, sizeof r->why,
			         follows ? "frame %llu claims %u bytes, past the end of the file, yet frame %llu follows it"
			                 : "the file ends inside frame %llu (%u bytes)",
			         (unsigned long long)seq, len, (unsigned long long)seq + 1);
			break;
		}
		/* The payload and its padding are at most the file's size, so this
		 * allocation is bounded by what is on disk. */
		size_t body = (size_t)(fsz - FRAME_HEADER);
		if (body > cap) {
			unsigned char *nb = rv_realloc(buf, body);
			if (!nb) {
				rc = rv_error(h, RV_ENOMEM, "out of memory reading a %u-byte frame of %s", len, path);
				break;
			}
			buf = nb;
			cap = body;
		}
		if ((e = vfs->pread(f, buf, body, off + FRAME_HEADER, &got)) != 0) {
			rc = rv_io_error(h, e, path, "cannot read");
			break;
		}
		bool pad_zero = true;
		for (size_t i = len; i < body && got == body; i++)
			pad_zero = pad_zero && buf[i] == 0;
		if (got != body || !pad_zero || rv_get32(hdr + 20) != frame_crc(salt, hdr, buf, len)) {
			/* T3: its last 8 bytes never landed (a whole frame ends in its
			 * last id or key byte and under 8 bytes of padding) */
			bool tail_zero = got == body && body >= 8;
			for (size_t i = body >= 8 ? body - 8 : 0; i < body && tail_zero; i++)
				tail_zero = buf[i] == 0;
			if (tail_zero && (rc = next_is_torn_or_in_order(h, path, f, off + fsz, size, seq + 1, &tail_zero)) != RV_OK)
				break;
			r->state = tail_zero ? RV_WAL_TORN : RV_WAL_DAMAGED;
			snprintf(r->why, sizeof r->why,
			         tail_zero ? "frame %llu was not completely written (its end is zero)"
			                   : "frame %llu fails its checksum",
			         (unsigned long long)seq);
			break;
		}
		if (apply) {
			rc = apply(ctx, hdr[16], buf, len);
			if (rc != RV_OK)
				break;
		}
		off += fsz;
		seq++;
		n++;
	}
	rv_free(buf);
	r->valid_bytes = off;
	r->frames = n;
	r->next_seq = seq;
	r->file_bytes = size;
	return rc;
}

static void *flusher_main(void *arg);

static int wal_new(const void *h, const char *path, const rv_wal_params *p, rv_wal **out)
{
	rv_wal *w = rv_calloc(1, sizeof *w);
	if (!w)
		return rv_error(h, RV_ENOMEM, "out of memory opening %s", path);
	w->owner = h;
	w->p = *p;
	w->refs = 1;
	w->path = rv_strndup(path, strlen(path));
	if (!w->path || rv_mutex_init(&w->mu) != 0) {
		rv_free(w->path);
		rv_free(w);
		return rv_error(h, RV_ENOMEM, "out of memory opening %s", path);
	}
	if (rv_cond_init(&w->cv) != 0) {
		rv_mutex_destroy(&w->mu);
		rv_free(w->path);
		rv_free(w);
		return rv_error(h, RV_ENOMEM, "out of memory opening %s", path);
	}
	*out = w;
	return RV_OK;
}

static void wal_free(rv_wal *w)
{
	if (w->f)
		rv_vfs_current()->close(w->f);
	rv_cond_destroy(&w->cv);
	rv_mutex_destroy(&w->mu);
	rv_free(w->buf);
	rv_free(w->path);
	rv_free(w);
}

static void start_flusher(rv_wal *w)
{
	if (w->p.durability != RV_SYNC_NORMAL || w->p.readonly)
		return;
	/* Without threads (single-threaded WebAssembly) commits sync inline
	 * once the interval has passed instead; see rv_wal_commit. */
	w->flusher_on = rv_thread_start(&w->flusher, flusher_main, w) == 0;
}

int rv_wal_create(const void *h, const char *path, uint64_t generation, const rv_wal_params *p, rv_wal **out)
{
	const rv_vfs *vfs = rv_vfs_current();
	rv_wal *w;
	int rc = wal_new(h, path, p, &w);
	if (rc != RV_OK)
		return rc;
	int e = vfs->open(path, RV_O_RDWR | RV_O_CREATE | RV_O_EXCL, &w->f);
	if (e != 0) {
		rc = rv_io_error(h, e, path, "cannot create the log");
		wal_free(w);
		return rc;
	}
	w->salt = random_salt(w);
	w->generation = generation;
	unsigned char hdr[WAL_HEADER] = {0};
	rv_put_header(hdr, WAL_MAGIC);
	rv_put32(hdr + 20, WAL_HEADER);
	rv_put64(hdr + 24, w->salt);
	rv_put64(hdr + 32, generation);
	rv_put32(hdr + 60, rv_crc32c(0, hdr, 60));
	if ((e = vfs->pwrite(w->f, hdr, sizeof hdr, 0)) != 0 || (e = vfs->sync(w->f)) != 0) {
		rc = rv_io_error(h, e, path, "cannot write the log header");
		wal_free(w);
		vfs->unlink(path);
		return rc;
	}
	w->end = w->synced = WAL_HEADER;
	w->next_seq = 1;
	start_flusher(w);
	*out = w;
	return RV_OK;
}

int rv_wal_open(const void *h, const char *path, uint64_t generation, const rv_wal_params *p,
                rv_wal_apply_fn apply, void *ctx, rv_wal **out)
{
	const rv_vfs *vfs = rv_vfs_current();
	rv_wal *w;
	int rc = wal_new(h, path, p, &w);
	if (rc != RV_OK)
		return rc;
	w->generation = generation;
	int e = vfs->open(path, p->readonly ? RV_O_RDONLY : RV_O_RDWR, &w->f);
	if (e != 0) {
		rc = e == -ENOENT ? rv_error(h, RV_ECORRUPT, "%s: the log named by the manifest is missing", path)
		                  : rv_io_error(h, e, path, "cannot open the log");
		wal_free(w);
		return rc;
	}
	uint64_t size;
	rv_wal_scan_info r;
	if ((e = vfs->size(w->f, &size)) != 0) {
		rc = rv_io_error(h, e, path, "cannot read the size of");
		goto fail;
	}
	if ((rc = read_header(h, path, w->f, generation, &w->salt)) != RV_OK)
		goto fail;
	if ((rc = walk(h, path, w->f, w->salt, size, apply, ctx, &r)) != RV_OK)
		goto fail;
	if (r.state == RV_WAL_DAMAGED) {
		rc = rv_wal_damage_error(h, path, &r);
		goto fail;
	}
	uint64_t valid = r.valid_bytes, seq = r.next_seq;
	if (valid < size && !p->readonly) {
		/* a torn tail from a crash: cut it so new frames follow valid ones */
		if ((e = vfs->truncate(w->f, valid)) != 0 || (e = vfs->sync(w->f)) != 0) {
			rc = rv_io_error(h, e, path, "cannot cut off the torn end of");
			goto fail;
		}
	}
	w->end = w->synced = valid;
	w->next_seq = seq;
	start_flusher(w);
	*out = w;
	return RV_OK;
fail:
	wal_free(w);
	return rc;
}

int rv_wal_append(rv_wal *w, uint8_t type, const void *const *parts, const size_t *lens, int nparts,
                  uint64_t *start, uint64_t *end)
{
	const rv_vfs *vfs = rv_vfs_current();
	size_t len = 0;
	for (int i = 0; i < nparts; i++)
		if (!rv_add_size(len, lens[i], &len) || len > UINT32_MAX - 64)
			return rv_error(w->owner, RV_EINVAL, "a log frame of more than 4 GiB");
	uint64_t fsz = frame_size(len);
	rv_mutex_lock(&w->mu);
	int rc = RV_OK;
	if (w->failed) {
		rc = rv_error(w->owner, RV_EREADONLY, "the database is in its read-only error state: %s", w->why);
		goto out;
	}
	if (w->p.readonly) {
		rc = rv_error(w->owner, RV_EREADONLY, "%s: opened read-only", w->path);
		goto out;
	}
	if (fsz > w->buf_cap) {
		unsigned char *nb = rv_realloc(w->buf, fsz);
		if (!nb) {
			rc = rv_error(w->owner, RV_ENOMEM, "out of memory for a %zu-byte log frame", len);
			goto out;
		}
		w->buf = nb;
		w->buf_cap = fsz;
	}
	unsigned char *f = w->buf;
	memset(f, 0, FRAME_HEADER);
	rv_put32(f, FRAME_MAGIC);
	rv_put32(f + 4, (uint32_t)len);
	rv_put64(f + 8, w->next_seq);
	f[16] = type;
	size_t at = FRAME_HEADER;
	for (int i = 0; i < nparts; i++) {
		memcpy(f + at, parts[i], lens[i]);
		at += lens[i];
	}
	memset(f + at, 0, fsz - at);
	rv_put32(f + 20, frame_crc(w->salt, f, f + FRAME_HEADER, len));
	int e = vfs->pwrite(w->f, f, fsz, w->end);
	if (e != 0) {
		rc = rv_io_error(w->owner, e, w->path, "cannot append to the log");
		/* Whatever part of the frame reached the file must go, or the next
		 * frame would land after garbage. */
		int t = vfs->truncate(w->f, w->end);
		if (t != 0)
			set_failed(w, RV_EREADONLY, "%s: a failed append could not be cut off: %s", w->path, strerror(-t));
		goto out;
	}
	*start = w->end;
	w->end += fsz;
	*end = w->end;
	w->next_seq++;
	if (w->buf_cap > ((size_t)1 << 20)) { /* do not keep a big batch's buffer */
		rv_free(w->buf);
		w->buf = NULL;
		w->buf_cap = 0;
	}
out:
	rv_mutex_unlock(&w->mu);
	return rc;
}

int rv_wal_unappend(rv_wal *w, uint64_t start)
{
	rv_mutex_lock(&w->mu);
	/* A leader may be syncing a range that includes the frame; let it
	 * finish so that `synced` is not raised past the cut afterwards. */
	while (w->syncing)
		rv_cond_wait(&w->cv, &w->mu);
	int rc = RV_OK;
	int e = rv_vfs_current()->truncate(w->f, start);
	if (e != 0) {
		rc = set_failed(w, RV_EREADONLY, "%s: a frame that could not be applied could not be cut off: %s",
		                w->path, strerror(-e));
	} else {
		w->end = start;
		if (w->synced > start)
			w->synced = start;
		w->next_seq--;
	}
	rv_mutex_unlock(&w->mu);
	return rc;
}

/* Sync until `target` is durable (or the log fails). Called with mu held. */
static int sync_to(rv_wal *w, uint64_t target)
{
	const rv_vfs *vfs = rv_vfs_current();
	while (!w->failed && !w->retired && w->synced < target) {
		if (w->syncing) {
			rv_cond_wait(&w->cv, &w->mu);
			continue;
		}
		w->syncing = true;
		uint64_t upto = w->end;
		rv_mutex_unlock(&w->mu);
		int e = vfs->sync(w->f);
		rv_mutex_lock(&w->mu);
		w->syncing = false;
		if (e != 0) {
			set_failed(w, RV_EREADONLY, "%s: fsync failed: %s", w->path, strerror(-e));
			/* Cut what was never known durable: those writers get the error
			 * and must not find their frames applied after a restart. */
			if (vfs->truncate(w->f, w->synced) == 0)
				w->end = w->synced;
		} else if (upto > w->synced) {
			w->synced = upto;
		}
		rv_cond_broadcast(&w->cv);
	}
	if (w->failed && !w->retired)
		return rv_error(w->owner, RV_EREADONLY, "the write was not made durable: %s", w->why);
	return RV_OK;
}

int rv_wal_commit(rv_wal *w, uint64_t end)
{
	rv_mutex_lock(&w->mu);
	int rc = RV_OK;
	if (w->p.durability == RV_SYNC_FULL)
		rc = sync_to(w, end);
	else if (w->failed && !w->retired)
		rc = rv_error(w->owner, RV_EREADONLY, "the database is in its read-only error state: %s", w->why);
	else if (w->p.durability == RV_SYNC_NORMAL && !w->flusher_on)
		rc = sync_to(w, end); /* no thread to do it later */
	rv_mutex_unlock(&w->mu);
	return rc;
}

int rv_wal_sync(rv_wal *w)
{
	rv_mutex_lock(&w->mu);
	int rc = w->p.readonly ? RV_OK : sync_to(w, w->end);
	rv_mutex_unlock(&w->mu);
	return rc;
}

static void *flusher_main(void *arg)
{
	rv_wal *w = arg;
	rv_mutex_lock(&w->mu);
	while (!w->stop) {
		rv_cond_timedwait(&w->cv, &w->mu, w->p.sync_interval_ms);
		if (!w->stop && !w->failed && !w->retired && w->synced < w->end)
			sync_to(w, w->end);
	}
	rv_mutex_unlock(&w->mu);
	return NULL;
}

void rv_wal_fail(rv_wal *w, const char *why)
{
	rv_mutex_lock(&w->mu);
	set_failed(w, RV_EREADONLY, "%s: %s", w->path, why);
	rv_mutex_unlock(&w->mu);
}

void rv_wal_retire(rv_wal *w)
{
	rv_mutex_lock(&w->mu);
	w->retired = true;
	rv_cond_broadcast(&w->cv);
	rv_mutex_unlock(&w->mu);
}

void rv_wal_ref(rv_wal *w)
{
	rv_mutex_lock(&w->mu);
	w->refs++;
	rv_mutex_unlock(&w->mu);
}

int rv_wal_unref(rv_wal *w)
{
	rv_mutex_lock(&w->mu);
	int left = --w->refs;
	rv_mutex_unlock(&w->mu);
	if (left > 0)
		return RV_OK;
	int rc = RV_OK;
	if (w->flusher_on) {
		rv_mutex_lock(&w->mu);
		w->stop = true;
		rv_cond_broadcast(&w->cv);
		rv_mutex_unlock(&w->mu);
		rv_thread_join(&w->flusher);
	}
	/* NORMAL promises a sync within the interval: closing is the last
	 * chance. OFF promises nothing; FULL has synced every commit. */
	if (w->p.durability == RV_SYNC_NORMAL && !w->p.readonly)
		rc = rv_wal_sync(w);
	rv_mutex_lock(&w->mu);
	if (rc == RV_OK && w->failed && !w->retired)
		rc = rv_error(w->owner, w->failed, "%s", w->why);
	rv_mutex_unlock(&w->mu);
	wal_free(w);
	return rc;
}

uint64_t rv_wal_bytes(rv_wal *w)
{
	rv_mutex_lock(&w->mu);
	uint64_t n = w->end;
	rv_mutex_unlock(&w->mu);
	return n;
}

int rv_wal_failed(rv_wal *w, const char **why)
{
	rv_mutex_lock(&w->mu);
	int f = w->retired ? 0 : w->failed;
	rv_mutex_unlock(&w->mu);
	if (why)
		*why = w->why;
	return f;
}

int rv_wal_damage_error(const void *h, const char *path, const rv_wal_scan_info *r)
{
	return rv_error(h, RV_ECORRUPT,
	                "%s: byte %llu: %s, and %llu bytes from there to the end of the log are not a torn write: the "
	                "log is damaged. Nothing was dropped: `ruvector repair DB COLLECTION` (rv_db_repair) reports "
	                "what discarding the damaged tail would drop, and drops it with --yes (or restore a backup)",
	                path, (unsigned long long)r->valid_bytes, r->why,
	                (unsigned long long)(r->file_bytes - r->valid_bytes));
}

/* Frames from the first invalid one on, for a report of what cutting there
 * drops: each frame whose header is in order (right magic, the next
 * sequence number, lying inside the file) is passed to tally, intact or
 * not; the walk stops at the first one that is not, and what is left
 * counts as undelimited bytes. */
static int tally_rest(const void *h, const char *path, rv_file *f, uint64_t salt, rv_wal_scan_info *r,
                      rv_wal_tally_fn tally, void *ctx)
{
	const rv_vfs *vfs = rv_vfs_current();
	uint64_t off = r->valid_bytes, seq = r->next_seq, size = r->file_bytes;
	unsigned char *buf = NULL;
	int rc = RV_OK;
	while (off + FRAME_HEADER <= size) {
		unsigned char hdr[FRAME_HEADER];
		size_t got;
		int e = vfs->pread(f, hdr, FRAME_HEADER, off, &got);
		if (e != 0) {
			rc = rv_io_error(h, e, path, "cannot read");
			break;
		}
		uint32_t len = rv_get32(hdr + 4);
		uint64_t fsz = frame_size(len);
		if (got != FRAME_HEADER || rv_get32(hdr) != FRAME_MAGIC || rv_get64(hdr + 8) != seq || off + fsz > size)
			break;
		size_t body = (size_t)(fsz - FRAME_HEADER);
		unsigned char *nb = rv_realloc(buf, body ? body : 1);
		if (!nb) {
			rc = rv_error(h, RV_ENOMEM, "out of memory reading %s", path);
			break;
		}
		buf = nb;
		if ((e = vfs->pread(f, buf, body, off + FRAME_HEADER, &got)) != 0) {
			rc = rv_io_error(h, e, path, "cannot read");
			break;
		}
		bool intact = got == body && rv_get32(hdr + 20) == frame_crc(salt, hdr, buf, len);
		for (size_t i = len; i < body && intact; i++)
			intact = buf[i] == 0;
		r->dropped_frames++;
		r->dropped_intact += intact;
		if (tally && got == body)
			tally(ctx, hdr[16], buf, len, intact);
		off += fsz;
		seq++;
	}
	r->undelimited_bytes = size - off;
	rv_free(buf);
	return rc;
}

int rv_wal_scan(const void *h, const char *path, uint64_t generation, rv_wal_tally_fn tally, void *ctx,
                rv_wal_scan_info *r)
{
	const rv_vfs *vfs = rv_vfs_current();
	memset(r, 0, sizeof *r);
	rv_file *f;
	int e = vfs->open(path, RV_O_RDONLY, &f);
	if (e != 0)
		return e == -ENOENT ? rv_error(h, RV_ECORRUPT, "%s: the log named by the manifest is missing", path)
		                    : rv_io_error(h, e, path, "cannot open the log");
	uint64_t size = 0, salt;
	int rc;
	if ((e = vfs->size(f, &size)) != 0)
		rc = rv_io_error(h, e, path, "cannot read the size of");
	else if ((rc = read_header(h, path, f, generation, &salt)) == RV_OK)
		rc = walk(h, path, f, salt, size, NULL, NULL, r);
	if (rc == RV_OK && r->state == RV_WAL_DAMAGED)
		rc = tally_rest(h, path, f, salt, r, tally, ctx);
	r->file_bytes = size;
	vfs->close(f);
	return rc;
}

int rv_wal_cut(const void *h, const char *path, uint64_t at)
{
	const rv_vfs *vfs = rv_vfs_current();
	rv_file *f;
	int e = vfs->open(path, RV_O_RDWR, &f);
	if (e != 0)
		return rv_io_error(h, e, path, "cannot open the log");
	if (at < WAL_HEADER)
		at = WAL_HEADER;
	int rc = RV_OK;
	if ((e = vfs->truncate(f, at)) != 0 || (e = vfs->sync(f)) != 0)
		rc = rv_io_error(h, e, path, "cannot cut");
	vfs->close(f);
	return rc;
}

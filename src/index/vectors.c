/*
 * vectors.c: where the float32 rows live (rv_vecstore, index.h).
 *
 * Rows sit in chunks of a power of two rows, at most 4 MiB each, found
 * through a small table: rv_vec() is one load from the table (a line or
 * two, always in L1) and an add. Chunks are what let the index
 *  - grow without copying its vectors (and without holding the old and the
 *    new array at once, twice the memory, while it copies): growth adds
 *    chunks; only a short last chunk is ever copied, at most 4 MiB;
 *  - keep the rows of a checkpoint in the segment file: a base block, the
 *    segment's vector section mapped copy-on-write, backs the first chunks
 *    (every chunk the section covers whole), and new rows go to heap chunks
 *    after it. After each checkpoint the store is rebased onto the new
 *    segment (rv_vecstore_rebase), returning the heap chunks it now covers.
 *    So the process holds on its heap only the vectors written since the
 *    last checkpoint; the rest are page cache, shared and evictable, which
 *    is what lets a quantized collection search from its codes with its
 *    vectors out of memory.
 * A small store's single chunk holds only the rows asked for (a collection
 * of ten vectors does not take 4 MiB); it grows by reallocation until it is
 * a whole chunk.
 *
 * Every function that changes the table runs under the index's rw lock held
 * exclusively; readers hold it shared and read rows through rv_vec().
 *
 * LAZY VERIFICATION. Mapped rows are not read at open (that would defeat
 * mapping: a million 128-d vectors are 512 MB, and issue #16 wants that
 * open well under 100 ms), yet a search must not answer from a damaged
 * block (issue #19). So each 64 KiB block of the segment's vector section
 * is verified against its CRC-32C the first time any row in it is read:
 * rv_vec() loads the block's state byte (one byte per 64 KiB, so the
 * whole table sits in cache: 8 KiB for 512 MB) and calls rv_vguard_touch
 * only while the block is unverified. The first searches after an open pay
 * about 5 us per block they touch; later ones, one predictable branch per
 * row. A bad block is marked bad and recorded (vguard->bad); the search
 * that finds it, and every search after it, fails with RV_ECORRUPT naming
 * the file and offset (collection/query.c), instead of answering from it.
 * A block is verified through the chunk table, row piece by row piece,
 * so a row that moved to the heap (the base's short end copied when the
 * store grows) is checked as well. A write into a guarded row (a freed
 * slot reused) goes through rv_vec() first, so its block is verified
 * before the row changes and never again after. Two readers may verify
 * the same block at once; both write the same state.
 */
#include "index.h"

#include <string.h>

#include "../platform/vfs.h"
#include "../util/alloc.h"

#define CHUNK_BYTES ((size_t)4 << 20)

size_t rv_vec_chunk_bytes = CHUNK_BYTES;

void rv_vecstore_init(rv_vecstore *v, uint32_t dim)
{
	memset(v, 0, sizeof *v);
	v->dim = dim;
	v->row_bytes = (size_t)dim * sizeof(float);
	uint32_t shift = 0;
	while (((size_t)2 << shift) * v->row_bytes <= rv_vec_chunk_bytes)
		shift++;
	v->shift = shift;
	v->mask = ((uint32_t)1 << shift) - 1;
}

/* Rows chunk c holds when the store holds `rows`. */
static size_t rows_in(const rv_vecstore *v, size_t c, size_t rows)
{
	size_t start = c << v->shift, per = (size_t)1 << v->shift;
	return rows - start < per ? rows - start : per;
}

static void release_base(rv_vecstore *v)
{
	if (!v->base)
		return;
	if (v->base_map_len)
		rv_vfs_current()->munmap(v->base, v->base_map_len);
	else {
		rv_aligned_free(v->base);
		v->heap_bytes -= v->base_rows * v->row_bytes;
	}
	v->base = NULL;
	v->base_map_len = 0;
	v->base_rows = 0;
	v->base_chunks = 0;
}

void rv_vecstore_free(rv_vecstore *v)
{
	for (size_t c = v->base_chunks; c < v->chunks; c++)
		rv_aligned_free(v->chunk[c]);
	release_base(v);
	rv_free(v->chunk);
	uint32_t dim = v->dim;
	rv_vecstore_init(v, dim);
}

static float *new_block(size_t rows, size_t row_bytes)
{
	size_t bytes;
	if (!rv_mul_size(rows ? rows : 1, row_bytes, &bytes))
		return NULL;
	float *p = rv_aligned_alloc(bytes);
	if (p && bytes >= (size_t)1 << 21 && rv_alloc_is_default())
		rv_mem_hint_huge(p, bytes);
	return p;
}

int rv_vecstore_grow(rv_vecstore *v, size_t rows)
{
	if (rows <= v->rows)
		return RV_OK;
	const size_t per = (size_t)1 << v->shift;
	size_t need = (rows + per - 1) >> v->shift;
	if (need > v->chunk_cap) {
		size_t cap = v->chunk_cap * 2 > need ? v->chunk_cap * 2 : need;
		float **t = rv_realloc(v->chunk, cap * sizeof *t);
		if (!t)
			return RV_ENOMEM;
		v->chunk = t;
		v->chunk_cap = cap;
	}
	/* The last chunk, if short, is replaced by a longer heap block: the
	 * only copy growth makes. */
	size_t c0 = v->chunks, have = v->rows;
	float *longer = NULL;
	size_t longer_rows = 0;
	if (c0 && rows_in(v, c0 - 1, have) < per) {
		size_t last = c0 - 1;
		longer_rows = rows_in(v, last, rows);
		if (!(longer = new_block(longer_rows, v->row_bytes)))
			return RV_ENOMEM;
		memcpy(longer, v->chunk[last], rows_in(v, last, have) * v->row_bytes);
	}
	/* new chunks, each whole except perhaps the last */
	size_t c;
	for (c = c0; c < need; c++) {
		if (!(v->chunk[c] = new_block(rows_in(v, c, rows), v->row_bytes))) {
			while (c-- > c0)
				rv_aligned_free(v->chunk[c]);
			rv_aligned_free(longer);
			return RV_ENOMEM;
		}
	}
	if (longer) {
		size_t last = c0 - 1;
		if (last < v->base_chunks) { /* the base's short end: the rest of it stays */
			v->base_chunks = last;
			if (!last)
				release_base(v);
		} else {
			rv_aligned_free(v->chunk[last]);
			v->heap_bytes -= rows_in(v, last, have) * v->row_bytes;
		}
		v->chunk[last] = longer;
		v->heap_bytes += longer_rows * v->row_bytes;
	}
	for (c = c0; c < need; c++)
		v->heap_bytes += rows_in(v, c, rows) * v->row_bytes;
	v->chunks = need;
	v->rows = rows;
	return RV_OK;
}

void rv_vecstore_set_base(rv_vecstore *v, float *rows, size_t map_len, size_t n)
{
	if (!n) {
		if (rows && map_len)
			rv_vfs_current()->munmap(rows, map_len);
		else
			rv_aligned_free(rows);
		return;
	}
	size_t need = (n + ((size_t)1 << v->shift) - 1) >> v->shift;
	/* an empty store whose table the caller sized (rv_vecstore_reserve_table),
	 * so that this cannot fail */
	v->base = rows;
	v->base_map_len = map_len;
	v->base_rows = n;
	if (!map_len)
		v->heap_bytes += n * v->row_bytes;
	for (size_t c = 0; c < need; c++)
		v->chunk[c] = rows + (c << v->shift) * v->dim;
	v->chunks = v->base_chunks = need;
	v->rows = n;
}

int rv_vecstore_reserve_table(rv_vecstore *v, size_t rows)
{
	size_t need = (rows + ((size_t)1 << v->shift) - 1) >> v->shift;
	if (need <= v->chunk_cap)
		return RV_OK;
	float **t = rv_realloc(v->chunk, need * sizeof *t);
	if (!t)
		return RV_ENOMEM;
	v->chunk = t;
	v->chunk_cap = need;
	return RV_OK;
}

int rv_vecstore_rebase(rv_vecstore *v, float *rows, size_t map_len, size_t n)
{
	/* Chunks the new base holds whole move onto it; a chunk it does not
	 * (the short end of the rows, or rows beyond it) stays, or becomes, a
	 * heap block: those of the old base are copied first, so that failing
	 * changes nothing. */
	float **copies = NULL;
	for (size_t c = 0; c < v->base_chunks; c++) {
		size_t r = rows_in(v, c, v->rows);
		if ((c << v->shift) + r <= n)
			continue;
		if (!copies && !(copies = rv_calloc(v->base_chunks, sizeof *copies)))
			return RV_ENOMEM;
		if (!(copies[c] = new_block(r, v->row_bytes))) {
			for (size_t i = 0; i < c; i++)
				rv_aligned_free(copies[i]);
			rv_free(copies);
			return RV_ENOMEM;
		}
		memcpy(copies[c], v->chunk[c], r * v->row_bytes);
	}
	size_t covered = 0;
	for (size_t c = 0; c < v->chunks; c++) {
		size_t r = rows_in(v, c, v->rows);
		if ((c << v->shift) + r <= n) {
			if (c >= v->base_chunks) {
				rv_aligned_free(v->chunk[c]);
				v->heap_bytes -= r * v->row_bytes;
			}
			v->chunk[c] = rows + (c << v->shift) * v->dim;
			covered = c + 1;
		}
	}
	for (size_t c = 0; copies && c < v->base_chunks; c++) {
		if (copies[c]) {
			v->chunk[c] = copies[c];
			v->heap_bytes += rows_in(v, c, v->rows) * v->row_bytes;
		}
	}
	rv_free(copies);
	/* the old base goes (every chunk that pointed into it was moved) */
	size_t keep_chunks = covered;
	v->base_chunks = 0;
	release_base(v);
	v->base = rows;
	v->base_map_len = map_len;
	v->base_rows = n;
	if (!map_len)
		v->heap_bytes += n * v->row_bytes;
	v->base_chunks = keep_chunks;
	return RV_OK;
}

size_t rv_vecstore_run(const rv_vecstore *v, size_t row, size_t max, const float **out)
{
	size_t c = row >> v->shift, off = row & v->mask;
	size_t avail = rows_in(v, c, v->rows) - off;
	*out = v->chunk[c] + off * v->dim;
	return avail < max ? avail : max;
}

/* ---- lazy verification of mapped rows ---- */

static void verify_block(const rv_index *x, rv_vguard *g, uint32_t b)
{
	uint64_t start = (uint64_t)b * RV_VGUARD_BLOCK, total = g->rows * x->row_bytes;
	uint64_t end = start + RV_VGUARD_BLOCK < total ? start + RV_VGUARD_BLOCK : total;
	uint32_t crc = 0;
	for (uint64_t at = start; at < end;) {
		uint64_t row = at / x->row_bytes, in = at - row * x->row_bytes;
		uint64_t n = x->row_bytes - in < end - at ? x->row_bytes - in : end - at;
		const unsigned char *p =
			(const unsigned char *)(x->vs.chunk[row >> x->vs.shift] + (size_t)(row & x->vs.mask) * x->dim);
		crc = rv_crc32c(crc, p + in, (size_t)n);
		at += n;
	}
	uint8_t st = crc == g->crcs[b] ? 1 : 2;
	atomic_store_explicit(&g->state[b], st, memory_order_relaxed);
	if (st == 2) {
		uint32_t none = 0;
		atomic_compare_exchange_strong(&g->bad, &none, b + 1);
	}
}

void rv_vguard_touch(const rv_index *x, uint32_t slot)
{
	rv_vguard *g = x->vguard;
	uint64_t at = (uint64_t)slot * x->row_bytes;
	uint32_t lo = (uint32_t)(at / RV_VGUARD_BLOCK), hi = (uint32_t)((at + x->row_bytes - 1) / RV_VGUARD_BLOCK);
	for (uint32_t b = lo; b <= hi && b < g->n_blocks; b++)
		if (atomic_load_explicit(&g->state[b], memory_order_relaxed) == 0)
			verify_block(x, g, b);
}

void rv_vguard_free(rv_vguard *g)
{
	if (!g)
		return;
	rv_free(g->crcs);
	rv_free((void *)g->state);
	rv_free(g->path);
	rv_free(g);
}

void rv_index_set_vguard(rv_index *x, rv_vguard *g)
{
	rv_vguard *old = x->vguard;
	x->vguard = g;
	rv_vguard_free(old);
}

void rv_index_retire_vguard(rv_index *x)
{
	/* the rows are no longer the file's; a fault found stays reported */
	if (x->vguard)
		x->vguard->rows = 0;
}

uint32_t rv_index_verify_vectors(const rv_index *x)
{
	rv_vguard *g = x->vguard;
	if (!g)
		return 0;
	for (uint32_t b = 0; b < g->n_blocks && g->rows; b++)
		if (atomic_load_explicit(&g->state[b], memory_order_relaxed) == 0)
			verify_block(x, g, b);
	return atomic_load_explicit(&g->bad, memory_order_relaxed);
}

uint32_t rv_index_vfault(const rv_index *x, const char **path, uint64_t *file_off)
{
	const rv_vguard *g = x->vguard;
	uint32_t b = g ? atomic_load_explicit(&((rv_vguard *)g)->bad, memory_order_relaxed) : 0;
	if (b) {
		*path = g->path;
		*file_off = g->file_off + (uint64_t)(b - 1) * RV_VGUARD_BLOCK;
	}
	return b;
}

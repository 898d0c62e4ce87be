/*
 * quant.h: vector quantizers: compact codes that stand in for float32
 * vectors during the graph walk.
 *
 * Three kinds (ruvector.h, rv_quant_kind), one file each:
 *   int8.c    a byte per dimension. Per-dimension ranges [min, min + 255 s]
 *             trained on a sample; the code keeps the vector's exact squared
 *             norm as well (the correction term), so an L2 estimate is
 *             |q|^2 + |x|^2 - 2 q.x^ with only q.x^ approximated. The query
 *             is folded into per-dimension weights q_j s_j and quantized to
 *             int8 too, which makes q.x^ an integer dot product of bytes
 *             (rv_kernels.dot_u8s8: vpdpbusd with AVX512_VNNI).
 *   pq.c      product quantization: m subspaces, 256 k-means centroids
 *             each, a byte per subspace; a query precomputes its distance
 *             to every centroid (a table of m x 256 floats) and a code's
 *             distance is m lookups (rv_kernels.pq_adc: gathers).
 *   binary.c  a bit per dimension: the sign of R (x - mean), R a random
 *             rotation, so that every bit carries a similar share of the
 *             information. The query is not binarised: kept at four bits
 *             a coordinate, its inner product with a code's signs is four
 *             masked population counts per word (rv_kernels.bitdot_x4:
 *             VPOPCNTDQ), far closer to the truth than a Hamming distance.
 * Codes only order candidates; the collection re-ranks the best ones with
 * float32 vectors, so what quantization loses is search work, not the
 * accuracy of the final ranking.
 *
 * Vectors reach the quantizer as the index stores them: normalised for
 * cosine. Distances follow the index's convention (smaller is closer).
 */
#ifndef RV_QUANT_H
#define RV_QUANT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../kernels/kernels.h"
#include "ruvector.h"

typedef struct rv_quant {
	rv_quant_kind kind;
	uint32_t dim;
	rv_metric metric;
	const rv_kernels *k;
	size_t code_bytes;      /* bytes per code, a multiple of 8 */
	/* int8 */
	float *mins, *scales;   /* dim each */
	/* pq */
	uint32_t m, dsub;       /* subspaces, dimensions per subspace */
	float *centroids;       /* per subspace, transposed: dsub rows of 256 (pq.c) */
	/* binary */
	uint32_t bits;          /* bits per code: dim rounded down to a multiple of 64 (dim when < 64) */
	uint32_t words;         /* 64-bit words per code */
	float *mean;            /* dim */
	float *rot;             /* binary: 3 x padded dim random signs (binary.c) */
	float *itq;             /* binary-itq: the learned block rotations (rotation.c), or NULL */
} rv_quant;

/* A query prepared for one quantizer; the buffers are the caller's
 * (sized by rv_quant_query_bytes). */
typedef struct rv_qquery {
	const rv_quant *q;
	int8_t *w8;             /* int8: the query's weights, quantized */
	float w_scale;          /* int8: one w8 unit in floats */
	float bias;             /* int8: q . mins */
	float qnorm2;           /* int8, l2: |q|^2 */
	float *lut;             /* pq: m x 256 */
	uint64_t *planes;       /* binary: the query at 4 bits a coordinate, 4 planes of `words` */
	float b_lo, b_step;     /* binary: plane value u stands for b_lo + u b_step */
	float *work;            /* dim floats of scratch */
} rv_qquery;

/* Check a configuration: RV_OK or RV_EINVAL with `why` set. */
int rv_quant_check(rv_quant_kind kind, uint32_t dim, rv_metric metric, uint32_t pq_m, char *why, size_t why_size);
/* The fewest training vectors a kind needs. */
size_t rv_quant_min_train(rv_quant_kind kind);
int rv_quant_init(rv_quant *q, rv_quant_kind kind, uint32_t dim, rv_metric metric, uint32_t pq_m,
                  const rv_kernels *k);
void rv_quant_free(rv_quant *q);
/* Train on n row-major vectors. RV_EINVAL when n is too small (`why`
 * says so), RV_ENOMEM. */
int rv_quant_train(rv_quant *q, const float *sample, size_t n, uint64_t seed, unsigned threads, char *why,
                   size_t why_size);
/* Encode one vector (code_bytes bytes). */
void rv_quant_encode(const rv_quant *q, const float *v, uint8_t *code);
/* Bytes of buffers a prepared query needs. */
size_t rv_quant_query_bytes(const rv_quant *q);
/* Prepare `query` (as stored: normalised for cosine) into qq, carving its
 * buffers from `mem` (rv_quant_query_bytes, 64-byte aligned). */
void rv_quant_query(const rv_quant *q, const float *query, void *mem, rv_qquery *qq);
/* Estimated distances from the query to n codes. */
void rv_quant_dists(const rv_qquery *qq, const uint8_t *const *codes, size_t n, float *out);
/* Bytes of the trained parameters (codebooks). */
size_t rv_quant_param_bytes(const rv_quant *q);
/* Serialise the trained parameters (little-endian) into buf
 * (rv_quant_param_bytes), and back, validating sizes and values:
 * RV_ECORRUPT with `why` for parameters that cannot be right. */
void rv_quant_save(const rv_quant *q, unsigned char *buf);
int rv_quant_load(rv_quant *q, const unsigned char *buf, size_t len, char *why, size_t why_size);

/* Per kind (int8.c, pq.c, binary.c). */
int rv_int8_train(rv_quant *q, const float *s, size_t n);
void rv_int8_encode(const rv_quant *q, const float *v, uint8_t *code);
/* The vector a code stands for: min_j + s_j c_j (hosts that walk their
 * graph on decoded floats: the PostgreSQL extension). */
void rv_int8_decode(const rv_quant *q, const uint8_t *code, float *out);
void rv_int8_query(const rv_quant *q, const float *query, rv_qquery *qq);
void rv_int8_dists(const rv_qquery *qq, const uint8_t *const *codes, size_t n, float *out);
int rv_pq_train(rv_quant *q, const float *s, size_t n, uint64_t seed, unsigned threads);
void rv_pq_encode(const rv_quant *q, const float *v, uint8_t *code);
void rv_pq_query(const rv_quant *q, const float *query, rv_qquery *qq);
void rv_pq_dists(const rv_qquery *qq, const uint8_t *const *codes, size_t n, float *out);
int rv_binary_train(rv_quant *q, const float *s, size_t n, uint64_t seed);
void rv_binary_encode(const rv_quant *q, const float *v, uint8_t *code);
void rv_binary_query(const rv_quant *q, const float *query, rv_qquery *qq);
void rv_binary_dists(const rv_qquery *qq, const uint8_t *const *codes, size_t n, float *out);
/* rotation.c: the learned rotation of binary-itq, trained on n rows of
 * `bits` rotated coordinates; applied in place to the first bits
 * coordinates of a rotated vector. */
uint32_t rv_itq_block(const rv_quant *q);
size_t rv_itq_floats(const rv_quant *q);
int rv_itq_train(rv_quant *q, const float *v, size_t n);
void rv_itq_apply(const rv_quant *q, float *w);
/* binary and binary-itq */
static inline bool rv_quant_is_binary(rv_quant_kind k) { return k == RV_QUANT_BINARY || k == RV_QUANT_BINARY_ITQ; }

#endif

/*
 * harness.h: the test harness. Each test file is one program made of
 * TEST(name) functions listed in main() with RUN(name); CHECK failures are
 * counted and printed with file and line, and the program exits non-zero if
 * any failed. No framework, nothing to install.
 */
#ifndef RV_TEST_HARNESS_H
#define RV_TEST_HARNESS_H

#include <inttypes.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* atomic: tests check from several threads at once */
static _Atomic int harness_failures;
static _Atomic int harness_checks;
static const char *harness_test = "";

#define TEST(name) static void name(void)
#define RUN(name)                                                                   \
	do {                                                                            \
		int before_ = atomic_load(&harness_failures);                                             \
		harness_test = #name;                                                       \
		name();                                                                     \
		printf("%s %s\n", harness_failures == before_ ? "ok  " : "FAIL", #name);   \
		fflush(stdout);                                                             \
	} while (0)

#define CHECK_MSG(cond, ...)                                                        \
	do {                                                                            \
		harness_checks++;                                                           \
		if (!(cond)) {                                                              \
			harness_failures++;                                                     \
			if (harness_failures <= 50) {                                           \
				fprintf(stderr, "%s:%d: %s: check failed: %s: ", __FILE__, __LINE__, \
				        harness_test, #cond);                                       \
				fprintf(stderr, __VA_ARGS__);                                       \
				fputc('\n', stderr);                                                \
			}                                                                       \
		}                                                                           \
	} while (0)

#define CHECK(cond) CHECK_MSG(cond, "%s", "")
#define CHECK_RC(expr, want)                                                        \
	do {                                                                            \
		int got_ = (expr);                                                          \
		CHECK_MSG(got_ == (want), "%s returned %d (%s), want %d", #expr, got_,      \
		          rv_strerror(got_), (int)(want));                                  \
	} while (0)
#define CHECK_OK(expr) CHECK_RC(expr, 0)

static inline int harness_exit(void)
{
	printf("%d checks, %d failed\n", atomic_load(&harness_checks), atomic_load(&harness_failures));
	return atomic_load(&harness_failures) ? 1 : 0;
}

/* Deterministic generator for test data (splitmix64). */
typedef struct test_rng {
	uint64_t s;
} test_rng;

static inline uint64_t rng_next(test_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [-1, 1). */
static inline float rng_float(test_rng *r)
{
	return (float)((double)(rng_next(r) >> 11) * (2.0 / 9007199254740992.0) - 1.0);
}

static inline float rng_gauss(test_rng *r)
{
	double u1 = ((double)(rng_next(r) >> 11) + 1.0) / 9007199254740993.0;
	double u2 = (double)(rng_next(r) >> 11) / 9007199254740992.0;
	return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}

/* n clustered vectors of dimension d: `clusters` Gaussian blobs of unit
 * spread whose centres spread `scale` (3: well apart; 1: overlapping, which
 * is harder to search), the shape of real embeddings more than uniform
 * noise is. */
static inline float *make_clustered_scaled(size_t n, size_t d, size_t clusters, uint64_t seed, float scale)
{
	test_rng r = {seed};
	float *centers = malloc(clusters * d * sizeof(float));
	float *v = malloc(n * d * sizeof(float));
	if (!centers || !v) {
		fprintf(stderr, "out of memory in test\n");
		exit(2);
	}
	for (size_t i = 0; i < clusters * d; i++)
		centers[i] = rng_gauss(&r) * scale;
	for (size_t i = 0; i < n; i++) {
		size_t c = rng_next(&r) % clusters;
		for (size_t j = 0; j < d; j++)
			v[i * d + j] = centers[c * d + j] + rng_gauss(&r);
	}
	free(centers);
	return v;
}

static inline float *make_clustered(size_t n, size_t d, size_t clusters, uint64_t seed)
{
	return make_clustered_scaled(n, d, clusters, seed, 3.0f);
}

#endif

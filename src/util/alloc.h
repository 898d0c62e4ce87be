/*
 * alloc.h: the one allocator the core uses.
 *
 * The core will live inside hosts that own memory (a browser's wasm heap,
 * PostgreSQL's memory contexts), so nothing calls libc's malloc directly: the
 * names are poisoned below, and a stray call does not compile. All sizes that
 * come from arithmetic go through rv_mul_size()/rv_add_size() first, because
 * an overflowed size is a heap overflow waiting for a large input.
 *
 * Tests can make the Nth allocation fail (rv_alloc_fail_after) to prove that
 * every path reports RV_ENOMEM and leaks nothing.
 */
#ifndef RV_ALLOC_H
#define RV_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
/* Declare libc's allocation functions before poisoning their names below:
 * a header that declares them after the macros exist (emscripten's libc
 * does, as `void free(void *);`) would not compile. */
#include <stdlib.h>
#include <string.h>

void *rv_malloc(size_t size);
void *rv_calloc(size_t count, size_t size); /* zeroed; checks count*size */
void *rv_realloc(void *ptr, size_t size);
void rv_free(void *ptr);
char *rv_strndup(const char *s, size_t len); /* NUL-terminated copy */

/* Cache-line aligned blocks (64 bytes; 2 MiB for blocks of 4 MiB and more,
 * so the platform can back them with huge pages). Free with
 * rv_aligned_free(). */
void *rv_aligned_alloc(size_t size);
void rv_aligned_free(void *ptr);
/* Whether libc's allocator is in use (not one the host installed). */
bool rv_alloc_is_default(void);

/* Grow *ptr (an array of *cap elements of elem bytes) to hold at least
 * `need` elements, by doubling. Returns false, leaving *ptr intact, when
 * the size overflows or memory runs out. */
bool rv_grow_array(void **ptr, size_t *cap, size_t need, size_t elem);

/* Overflow-checked size arithmetic: false on overflow. */
static inline bool rv_mul_size(size_t a, size_t b, size_t *out)
{
	if (b != 0 && a > SIZE_MAX / b)
		return false;
	*out = a * b;
	return true;
}

static inline bool rv_add_size(size_t a, size_t b, size_t *out)
{
	if (a > SIZE_MAX - b)
		return false;
	*out = a + b;
	return true;
}

/* Number of library objects alive (collections); rv_set_allocator refuses
 * to switch while any exist. */
void rv_alloc_object_created(void);
void rv_alloc_object_destroyed(void);

/* Testing: make allocations fail once `n` more have succeeded (n < 0:
 * never). Returns how many allocations succeeded since the last call. */
long rv_alloc_fail_after(long n);

#if !defined(RV_ALLOC_ALLOW_LIBC)
#define malloc(n) rv_use_rv_malloc_not_malloc
#define calloc(n, s) rv_use_rv_calloc_not_calloc
#define realloc(p, n) rv_use_rv_realloc_not_realloc
#define free(p) rv_use_rv_free_not_free
#define strdup(s) rv_use_rv_strndup_not_strdup
#endif

#endif

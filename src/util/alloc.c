/*
 * alloc.c: the pluggable allocator behind alloc.h.
 *
 * The hook is a plain struct read on every call. It may only change while no
 * library object exists (rv_set_allocator checks a live-object count), so
 * readers need no lock; the atomics are there so that the sanitizers can see
 * that, too.
 */
#define RV_ALLOC_ALLOW_LIBC 1
#include "alloc.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "ruvector.h"

static void *libc_malloc(void *ctx, size_t n) { (void)ctx; return malloc(n); }
static void *libc_realloc(void *ctx, void *p, size_t n) { (void)ctx; return realloc(p, n); }
static void libc_free(void *ctx, void *p) { (void)ctx; free(p); }

static const rv_allocator libc_allocator = {libc_malloc, libc_realloc, libc_free, NULL};
static _Atomic(const rv_allocator *) current = &libc_allocator;
static rv_allocator installed;
static atomic_long live_objects;
static atomic_long fail_countdown = -1; /* < 0: never fail */
static atomic_long succeeded;

static bool injected_failure(void)
{
	long n = atomic_load_explicit(&fail_countdown, memory_order_relaxed);
	if (n < 0)
		return false;
	if (n == 0)
		return true;
	atomic_fetch_sub_explicit(&fail_countdown, 1, memory_order_relaxed);
	return false;
}

long rv_alloc_fail_after(long n)
{
	atomic_store(&fail_countdown, n);
	return atomic_exchange(&succeeded, 0);
}

void *rv_malloc(size_t size)
{
	if (injected_failure())
		return NULL;
	const rv_allocator *a = atomic_load_explicit(&current, memory_order_acquire);
	void *p = a->malloc(a->ctx, size ? size : 1);
	if (p)
		atomic_fetch_add_explicit(&succeeded, 1, memory_order_relaxed);
	return p;
}

void *rv_calloc(size_t count, size_t size)
{
	size_t total;
	if (!rv_mul_size(count, size, &total))
		return NULL;
	void *p = rv_malloc(total);
	if (p)
		memset(p, 0, total);
	return p;
}

void *rv_realloc(void *ptr, size_t size)
{
	if (injected_failure())
		return NULL;
	const rv_allocator *a = atomic_load_explicit(&current, memory_order_acquire);
	void *p = a->realloc(a->ctx, ptr, size ? size : 1);
	if (p)
		atomic_fetch_add_explicit(&succeeded, 1, memory_order_relaxed);
	return p;
}

void rv_free(void *ptr)
{
	if (!ptr)
		return;
	const rv_allocator *a = atomic_load_explicit(&current, memory_order_acquire);
	a->free(a->ctx, ptr);
}

char *rv_strndup(const char *s, size_t len)
{
	size_t total;
	if (!rv_add_size(len, 1, &total))
		return NULL;
	char *p = rv_malloc(total);
	if (p) {
		memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

/* The block starts with padding; the word just before the aligned pointer
 * holds the pointer the allocator returned. */
#define HUGE_ALIGN ((size_t)2 << 20)
#define HUGE_FROM ((size_t)4 << 20)

void *rv_aligned_alloc(size_t size)
{
	size_t align = size >= HUGE_FROM ? HUGE_ALIGN : 64, total;
	if (!rv_add_size(size, align + sizeof(void *), &total))
		return NULL;
	char *raw = rv_malloc(total);
	if (!raw)
		return NULL;
	uintptr_t p = ((uintptr_t)raw + sizeof(void *) + align - 1) & ~(uintptr_t)(align - 1);
	((void **)p)[-1] = raw;
	return (void *)p;
}

void rv_aligned_free(void *ptr)
{
	if (ptr)
		rv_free(((void **)ptr)[-1]);
}

bool rv_alloc_is_default(void)
{
	return atomic_load_explicit(&current, memory_order_acquire) == &libc_allocator;
}

bool rv_grow_array(void **ptr, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return true;
	size_t ncap = *cap ? *cap : 8;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return false;
		ncap *= 2;
	}
	size_t bytes;
	if (!rv_mul_size(ncap, elem, &bytes))
		return false;
	void *p = rv_realloc(*ptr, bytes);
	if (!p)
		return false;
	*ptr = p;
	*cap = ncap;
	return true;
}

void rv_alloc_object_created(void) { atomic_fetch_add(&live_objects, 1); }
void rv_alloc_object_destroyed(void) { atomic_fetch_sub(&live_objects, 1); }

int rv_set_allocator(const rv_allocator *alloc)
{
	if (atomic_load(&live_objects) != 0)
		return RV_EBUSY;
	if (!alloc) {
		atomic_store_explicit(&current, &libc_allocator, memory_order_release);
		return RV_OK;
	}
	if (!alloc->malloc || !alloc->realloc || !alloc->free)
		return RV_EINVAL;
	installed = *alloc;
	atomic_store_explicit(&current, &installed, memory_order_release);
	return RV_OK;
}

/*
 * error.h: error codes and messages.
 *
 * Codes are the negative RV_E* values of ruvector.h. Messages are kept per
 * thread and tagged with the handle the failing call was made on, the way
 * errno works: a thread that gets an error from a call on handle h and asks
 * rv_errmsg(h) gets its own message, with no lock and no race against other
 * threads failing on the same handle at the same moment.
 */
#ifndef RV_ERROR_H
#define RV_ERROR_H

#include "ruvector.h"

#if defined(__GNUC__)
#define RV_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define RV_PRINTF(f, a)
#endif

/* Record "message" for `handle` (NULL for calls on no handle) in the calling
 * thread and return `code`, so that callers can write
 *     return rv_error(c, RV_EDIM, "vector has %u floats, expected %u", ...); */
int rv_error(const void *handle, int code, const char *fmt, ...) RV_PRINTF(3, 4);

/* The calling thread's message for `handle`, or "". */
const char *rv_error_message(const void *handle);

#endif

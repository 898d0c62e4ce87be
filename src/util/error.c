/*
 * error.c: thread-local error messages and rv_strerror().
 */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

#define RV_ERRMSG_MAX 512

static _Thread_local const void *err_handle;
static _Thread_local char err_text[RV_ERRMSG_MAX];

int rv_error(const void *handle, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err_text, sizeof err_text, fmt, ap);
	va_end(ap);
	err_handle = handle;
	return code;
}

const char *rv_error_message(const void *handle)
{
	return err_handle == handle ? err_text : "";
}

const char *rv_strerror(int err)
{
	switch (err) {
	case RV_OK: return "success";
	case RV_EINVAL: return "invalid argument";
	case RV_ENOMEM: return "out of memory";
	case RV_EDIM: return "vector dimension does not match";
	case RV_ENONFINITE: return "vector has a NaN or infinite component";
	case RV_ENOTFOUND: return "not found";
	case RV_EEXIST: return "id already exists";
	case RV_EID: return "invalid id";
	case RV_EZERO: return "zero vector under the cosine metric";
	case RV_ERANGE: return "buffer too small";
	case RV_EIO: return "I/O error";
	case RV_EFORMAT: return "malformed file";
	case RV_ECORRUPT: return "data corrupt (checksum mismatch)";
	case RV_EVERSION: return "file written by a newer format version";
	case RV_ETHREAD: return "could not start a thread";
	case RV_EUNSUPPORTED: return "not supported on this CPU or build";
	case RV_EBUSY: return "resource busy or locked";
	case RV_EREADONLY: return "read-only or in error state";
	case RV_ENOSPC: return "no space left on device";
	default: return "unknown error";
	}
}

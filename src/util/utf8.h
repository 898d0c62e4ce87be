/*
 * utf8.h: UTF-8 validation (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF).
 */
#ifndef RV_UTF8_H
#define RV_UTF8_H

#include <stddef.h>

/* Offset of the first byte that is not valid UTF-8, or len if all is. */
size_t rv_utf8_check(const char *s, size_t len);

#endif

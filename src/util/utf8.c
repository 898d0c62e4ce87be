/*
 * utf8.c: see utf8.h. Written as the table of well-formed byte sequences in
 * the Unicode standard (Table 3-7), one branch per row.
 */
#include "utf8.h"

size_t rv_utf8_check(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < len) {
		unsigned c = s[i];
		size_t need;
		unsigned lo = 0x80, hi = 0xbf; /* range of the second byte */
		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			if (c == 0xe0)
				lo = 0xa0; /* overlong */
			else if (c == 0xed)
				hi = 0x9f; /* surrogates */
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			if (c == 0xf0)
				lo = 0x90; /* overlong */
			else if (c == 0xf4)
				hi = 0x8f; /* above U+10FFFF */
		} else {
			return i;
		}
		if (i + need >= len) /* truncated sequence */
			return i;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return i;
		for (size_t j = 2; j <= need; j++)
			if ((s[i + j] & 0xc0) != 0x80)
				return i;
		i += need + 1;
	}
	return len;
}

/* UTF-16 text from Windows APIs, as the UTF-8 label values the metric set
 * keeps. Shared by the Windows collectors. */
#ifndef EVED_TEXT_WIN_H_
#define EVED_TEXT_WIN_H_

#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

/* Writes `wide` (NUL-terminated when `length` is -1, else `length` UTF-16
 * units) into `out` as NUL-terminated UTF-8. False, with `out` empty, when
 * it does not fit in `out_size` bytes or is not valid UTF-16 (an unpaired
 * surrogate: WC_ERR_INVALID_CHARS, see WideCharToMultiByte on Microsoft
 * Learn); the caller drops that object and counts an error. */
bool eved_utf8_from_wide(const wchar_t *wide, int length, char *out, size_t out_size);

/* 100 ns units (FILETIME, LARGE_INTEGER times) as seconds. */
double eved_seconds_from_100ns(unsigned long long ticks);

/* A FILETIME-style count of 100 ns since 1601-01-01 as Unix seconds. */
double eved_unix_seconds_from_filetime(unsigned long long ticks);

#endif /* EVED_TEXT_WIN_H_ */

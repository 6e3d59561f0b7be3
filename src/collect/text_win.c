/* UTF-16 to UTF-8 into bounded buffers, and Windows time units. */
#include "text_win.h"

#include <limits.h>
#include <windows.h>

bool eved_utf8_from_wide(const wchar_t *wide, int length, char *out, size_t out_size) {
  if (out_size == 0) return false;
  out[0] = '\0';
  if (wide == NULL) return false;
  int room = out_size - 1 > (size_t)INT_MAX ? INT_MAX : (int)(out_size - 1);
  if (length == 0) return true;
  /* Without the terminator in the count, the result is not terminated:
   * the count of bytes written says where it ends. */
  int in_len = length < 0 ? (int)wcslen(wide) : length;
  if (in_len == 0) return true;
  int n = WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, wide, in_len, out, room, NULL, NULL);
  if (n <= 0) {
    out[0] = '\0';
    return false;
  }
  out[n] = '\0';
  return true;
}

double eved_seconds_from_100ns(unsigned long long ticks) { return (double)ticks / 1e7; }

double eved_unix_seconds_from_filetime(unsigned long long ticks) {
  /* 1601-01-01 to 1970-01-01: 11644473600 s. */
  const unsigned long long epoch = 116444736000000000ULL;
  if (ticks < epoch) return 0;
  return (double)(ticks - epoch) / 1e7;
}

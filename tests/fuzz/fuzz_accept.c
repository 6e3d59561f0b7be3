/* libFuzzer target: the Accept parser (http/accept.c) on any bytes. The
 * first byte is how the value arrives (pieces of 1..64 bytes); the rest,
 * split at '\n', is one Accept field line per piece, as llhttp hands them
 * over. Beyond the sanitizers' checks: the choice must not depend on how
 * the value was cut into pieces, and OpenMetrics may be chosen only when
 * some line names application/openmetrics-text. */
#include <string.h>

#include "accept.h"
#include "fuzz_server.h"

#define CHECK FUZZ_CHECK

static void feed_lines(eved_accept_t *a, const char *data, size_t size, size_t step) {
  eved_accept_begin(a);
  const char *end = data + size;
  while (data <= end) {
    const char *nl = memchr(data, '\n', (size_t)(end - data));
    const char *line_end = nl != NULL ? nl : end;
    eved_accept_field_begin(a);
    for (const char *p = data; p < line_end;) {
      size_t n = (size_t)(line_end - p) < step ? (size_t)(line_end - p) : step;
      eved_accept_feed(a, p, n);
      p += n;
    }
    eved_accept_field_end(a);
    data = line_end + 1;
  }
}

static bool names_openmetrics(const char *data, size_t size) {
  static const char want[] = "openmetrics-text";
  size_t n = sizeof want - 1;
  for (size_t i = 0; i + n <= size; i++) {
    size_t j = 0;
    while (j < n) {
      char c = data[i + j];
      if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
      if (c != want[j]) break;
      j++;
    }
    if (j == n) return true;
  }
  return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size) {
  if (size < 1) return 0;
  size_t step = (size_t)(bytes[0] & 0x3f) + 1;
  const char *data = (const char *)bytes + 1;
  size--;
  eved_accept_t whole, pieces;
  feed_lines(&whole, data, size, size + 1);
  feed_lines(&pieces, data, size, step);
  CHECK(eved_accept_format(&whole) == eved_accept_format(&pieces));
  CHECK(whole.bad == pieces.bad);
  CHECK(whole.om_level == pieces.om_level && whole.om_q == pieces.om_q);
  CHECK(whole.text_level == pieces.text_level && whole.text_q == pieces.text_q);
  CHECK(whole.om_q <= 1000 && whole.text_q <= 1000);
  if (eved_accept_format(&whole) == EVED_EXPO_OPENMETRICS) CHECK(names_openmetrics(data, size));
  return 0;
}

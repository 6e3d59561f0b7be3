#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textbuf.h"

void eved_textbuf_init(eved_textbuf_t *b, char *buf, size_t cap) {
  b->data = buf;
  b->len = 0;
  b->cap = cap;
  b->failed = cap == 0;
  if (cap > 0) buf[0] = '\0';
}

void eved_textbuf_put(eved_textbuf_t *b, const char *text, size_t len) {
  if (b->failed) return;
  if (len >= b->cap - b->len) {
    b->failed = true;
    return;
  }
  memcpy(b->data + b->len, text, len);
  b->len += len;
  b->data[b->len] = '\0';
}

void eved_textbuf_puts(eved_textbuf_t *b, const char *text) {
  eved_textbuf_put(b, text, strlen(text));
}

void eved_textbuf_u64(eved_textbuf_t *b, uint64_t value) {
  char digits[EVED_U64_TEXT_MAX];
  eved_textbuf_put(b, digits, eved_u64_text(value, digits));
}

void eved_textbuf_printf(eved_textbuf_t *b, const char *format, ...) {
  if (b->failed) return;
  size_t room = b->cap - b->len;
  va_list ap;
  va_start(ap, format);
  int n = vsnprintf(b->data + b->len, room, format, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= room) {
    b->failed = true;
    return;
  }
  b->len += (size_t)n;
}

size_t eved_textbuf_finish(const eved_textbuf_t *b) { return b->failed ? 0 : b->len; }

/* Two digits per division: the formatting is on every request's path. */
static const char digit_pairs[] = "00010203040506070809101112131415161718192021222324252627282930"
                                  "31323334353637383940414243444546474849505152535455565758596061"
                                  "62636465666768697071727374757677787980818283848586878889909192"
                                  "93949596979899";

size_t eved_u64_text(uint64_t value, char out[EVED_U64_TEXT_MAX]) {
  char tmp[EVED_U64_TEXT_MAX];
  size_t at = sizeof tmp;
  while (value >= 100) {
    unsigned pair = (unsigned)(value % 100) * 2;
    value /= 100;
    tmp[--at] = digit_pairs[pair + 1];
    tmp[--at] = digit_pairs[pair];
  }
  if (value >= 10) {
    tmp[--at] = digit_pairs[value * 2 + 1];
    tmp[--at] = digit_pairs[value * 2];
  } else {
    tmp[--at] = (char)('0' + value);
  }
  size_t n = sizeof tmp - at;
  memcpy(out, tmp + at, n);
  out[n] = '\0';
  return n;
}

void eved_textbuf_double(eved_textbuf_t *b, double value) {
  if (isnan(value)) {
    eved_textbuf_puts(b, "NaN");
    return;
  }
  if (isinf(value)) {
    eved_textbuf_puts(b, value > 0 ? "+Inf" : "-Inf");
    return;
  }
  /* Whole numbers below 2^53 (counts, bytes: most host figures) are
   * exact as integers and cost an integer formatting; printf's float path
   * and strtod's check were most of a /metrics rendering. */
  if (value == trunc(value) && fabs(value) <= 9007199254740992.0) {
    if (value < 0) eved_textbuf_put(b, "-", 1);
    eved_textbuf_u64(b, (uint64_t)fabs(value));
    return;
  }
  char text[32];
  snprintf(text, sizeof text, "%.15g", value);
  if (strtod(text, NULL) != value) snprintf(text, sizeof text, "%.17g", value);
  eved_textbuf_puts(b, text);
}

void eved_textbuf_fixed(eved_textbuf_t *b, double value, unsigned decimals) {
  static const double scale[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6};
  if (decimals >= sizeof scale / sizeof scale[0] || !(value >= 0) || value >= 1e12) {
    eved_textbuf_double(b, value);
    return;
  }
  uint64_t units = (uint64_t)(value * scale[decimals] + 0.5);
  uint64_t whole = units / (uint64_t)scale[decimals], frac = units % (uint64_t)scale[decimals];
  eved_textbuf_u64(b, whole);
  if (decimals == 0) return;
  char digits[8] = {'.'};
  for (unsigned i = decimals; i > 0; i--, frac /= 10) digits[i] = (char)('0' + frac % 10);
  eved_textbuf_put(b, digits, decimals + 1);
}

void eved_textbuf_json_number(eved_textbuf_t *b, double value) {
  if (isfinite(value)) {
    eved_textbuf_double(b, value);
  } else {
    eved_textbuf_puts(b, "null");
  }
}

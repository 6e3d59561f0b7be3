#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "textbuf.h"

static bool reserve(eved_textbuf_t *b, size_t extra) {
  if (b->len + extra + 1 <= b->cap) return true;
  size_t cap = b->cap ? b->cap : 1024;
  while (cap < b->len + extra + 1) cap *= 2;
  if (cap > EVED_TEXTBUF_MAX) return false;
  char *data = realloc(b->data, cap);
  if (data == NULL) return false;
  b->data = data;
  b->cap = cap;
  return true;
}

void eved_textbuf_printf(eved_textbuf_t *b, const char *format, ...) {
  if (b->failed) return;
  va_list ap;
  va_start(ap, format);
  int n = vsnprintf(NULL, 0, format, ap);
  va_end(ap);
  if (n < 0 || !reserve(b, (size_t)n)) {
    b->failed = true;
    return;
  }
  va_start(ap, format);
  vsnprintf(b->data + b->len, b->cap - b->len, format, ap);
  va_end(ap);
  b->len += (size_t)n;
}

char *eved_textbuf_take(eved_textbuf_t *b, size_t *len) {
  if (b->failed || b->data == NULL) {
    free(b->data);
    b->data = NULL;
    return NULL;
  }
  *len = b->len;
  char *data = b->data;
  b->data = NULL;
  b->len = b->cap = 0;
  return data;
}

/* A growable text buffer for rendering bodies, with a hard ceiling. */
#ifndef EVED_TEXTBUF_H_
#define EVED_TEXTBUF_H_

#include <stdbool.h>
#include <stddef.h>

/* No rendered body is allowed to grow past this. */
#define EVED_TEXTBUF_MAX (1024 * 1024)

typedef struct eved_textbuf {
  char *data;
  size_t len, cap;
  bool failed; /* out of memory or over the ceiling: the text is incomplete */
} eved_textbuf_t;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void eved_textbuf_printf(eved_textbuf_t *b, const char *format, ...);

/* The text (NUL-terminated, caller frees), or NULL if anything failed. */
char *eved_textbuf_take(eved_textbuf_t *b, size_t *len);

#endif /* EVED_TEXTBUF_H_ */

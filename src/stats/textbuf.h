/* Text written into a caller's fixed buffer: response heads and /metrics
 * bodies are rendered into buffers the server owns and reuses, so serving
 * a request allocates nothing. Anything that does not fit marks the text
 * failed rather than growing. */
#ifndef EVED_TEXTBUF_H_
#define EVED_TEXTBUF_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Digits of the largest uint64_t, and a terminator. */
#define EVED_U64_TEXT_MAX 21

typedef struct eved_textbuf {
  char *data;
  size_t len, cap;
  bool failed; /* something did not fit: the text is incomplete */
} eved_textbuf_t;

/* Starts an empty text in buf (cap bytes, a terminator included). */
void eved_textbuf_init(eved_textbuf_t *b, char *buf, size_t cap);

void eved_textbuf_put(eved_textbuf_t *b, const char *text, size_t len);
void eved_textbuf_puts(eved_textbuf_t *b, const char *text);
void eved_textbuf_u64(eved_textbuf_t *b, uint64_t value);

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void eved_textbuf_printf(eved_textbuf_t *b, const char *format, ...);

/* A double as the Prometheus formats read it, exactly: a whole number
 * below 2^53 in integer digits, any other the shorter of %.15g and %.17g
 * that reads back as the same double, and NaN, +Inf, -Inf. (Go's
 * client_golang writes 1234567 as 1.234567e+06; every reader takes both.) */
void eved_textbuf_double(eved_textbuf_t *b, double value);

/* A value from 0 to 1e12 with `decimals` (at most 6) digits after the
 * point, rounded: "0.250", for figures whose precision is known (a time
 * in milliseconds), at the cost of integer formatting. Any other value
 * goes to eved_textbuf_double. */
void eved_textbuf_fixed(eved_textbuf_t *b, double value, unsigned decimals);
/* The same for JSON (RFC 8259 6 has no NaN or infinities: null). */
void eved_textbuf_json_number(eved_textbuf_t *b, double value);

/* The text's length (it is NUL-terminated), or 0 if anything failed. */
size_t eved_textbuf_finish(const eved_textbuf_t *b);

/* Decimal digits of value, NUL-terminated, without printf: numbers are
 * most of what /stats writes. Returns the number of digits. */
size_t eved_u64_text(uint64_t value, char out[EVED_U64_TEXT_MAX]);

#endif /* EVED_TEXTBUF_H_ */

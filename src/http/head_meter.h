/* The request head as bytes on the wire, before llhttp sees them: counted
 * (max_header_bytes applies to what was received, however it was split
 * into reads), and checked for the line rules llhttp does not enforce on
 * every line. One meter per connection; it restarts after each head. */
#ifndef EVED_HEAD_METER_H_
#define EVED_HEAD_METER_H_

#include <stdbool.h>
#include <stddef.h>

typedef struct eved_head_meter {
  size_t bytes;    /* of the head so far, leading empty lines included */
  size_t line_len; /* of the current line, its CR excluded */
  bool cr;         /* the last byte was a CR */
  bool started;    /* the request line has ended */
} eved_head_meter_t;

typedef enum eved_head_verdict {
  EVED_HEAD_MORE,    /* all scanned; the head goes on */
  EVED_HEAD_END,     /* the scan ends with the head's final LF */
  EVED_HEAD_INVALID, /* the next byte breaks a line rule: 400 */
  EVED_HEAD_LINE_TOO_BIG, /* ...within the request line: 414 */
  EVED_HEAD_TOO_BIG       /* the next byte would pass max_header_bytes: 431 */
} eved_head_verdict_t;

/* Scans from data up to the head's end or the first byte that is refused,
 * and returns how many bytes are part of the head (the refused byte is
 * not). After EVED_HEAD_END the meter is ready for the next head. */
size_t eved_head_scan(eved_head_meter_t *meter, const char *data, size_t len, size_t max,
                      eved_head_verdict_t *verdict);

#endif /* EVED_HEAD_METER_H_ */

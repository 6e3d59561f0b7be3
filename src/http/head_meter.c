/* Line rules checked on every byte of a request head, whatever llhttp
 * accepts (Debian's llhttp 8.1.0 takes obs-fold even in strict mode, and
 * a bare LF after the request line):
 * - each line ends with CRLF. RFC 9112 2.2 lets a recipient take a bare LF
 *   as a line end and requires it to refuse (or blank) a bare CR; eved
 *   refuses both, so it never reads a line where a proxy in front of it
 *   reads another (the request-smuggling class of CVE-2023-30589).
 * - no line after the request line starts with SP or HTAB: that is
 *   obs-fold (RFC 9112 5.2: reject with 400 or unfold) or whitespace before
 *   the first field line (RFC 9112 2.2: reject or skip); eved rejects.
 * - the whole head, from its first byte to its final CRLF, is at most
 *   max_header_bytes received, so the bound cannot depend on how the
 *   client split its writes or where it put whitespace. RFC 9112 3: a
 *   request-target longer than the server will parse MUST get 414; eved
 *   answers 414 when the request line alone passes the bound, 431 when
 *   the field lines do (RFC 6585 5). */
#include "head_meter.h"

size_t eved_head_scan(eved_head_meter_t *m, const char *data, size_t len, size_t max,
                      eved_head_verdict_t *verdict) {
  for (size_t i = 0; i < len; i++) {
    char b = data[i];
    if (m->bytes >= max) {
      *verdict = m->started ? EVED_HEAD_TOO_BIG : EVED_HEAD_LINE_TOO_BIG;
      return i;
    }
    if (m->cr != (b == '\n')) {
      *verdict = EVED_HEAD_INVALID; /* a CR not before LF, or LF not after CR */
      return i;
    }
    m->bytes++;
    if (b == '\r') {
      m->cr = true;
    } else if (b == '\n') {
      m->cr = false;
      if (m->line_len == 0 && m->started) {
        *m = (eved_head_meter_t){0};
        *verdict = EVED_HEAD_END;
        return i + 1;
      }
      /* RFC 9112 2.2: empty lines before the request line are skipped
       * (llhttp does), but counted. */
      if (m->line_len > 0) m->started = true;
      m->line_len = 0;
    } else {
      if (m->line_len == 0 && m->started && (b == ' ' || b == '\t')) {
        m->bytes--;
        *verdict = EVED_HEAD_INVALID;
        return i;
      }
      m->line_len++;
    }
  }
  *verdict = EVED_HEAD_MORE;
  return len;
}

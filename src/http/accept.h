/* The Accept field (RFC 9110 12.5.1), read as llhttp streams it by (a
 * value may arrive in pieces across reads), to choose the format of
 * /metrics: OpenMetrics 1.0 or the Prometheus text format 0.0.4.
 *
 * Parsed strictly: media ranges and parameters as RFC 9110 5.6.6 and
 * 12.5.1 write them (tokens, quoted strings with quoted pairs, OWS around
 * ";" and ",", empty list elements skipped as 5.6.1 asks), and q-values
 * as 12.4.2 writes them ("0" [ "." 0*3DIGIT ] or "1" [ "." 0*3"0" ]; a
 * "q" parameter in any position and case is the weight). Several Accept
 * field lines form one list (RFC 9110 5.3); each line is a whole list in
 * itself, as a sender must write it. The state is a few words of fixed
 * size whatever the value's length: only the words that matter are kept
 * ("openmetrics-text" is the longest), and the request head meter bounds
 * the field as it bounds every field.
 *
 * The choice: OpenMetrics when a range naming application/openmetrics-text
 * (version=1.0.0, or no version) has a q above 0 and above the q the text
 * format gets; anything else, a malformed field or none included, gets
 * the text format. For each of the two formats the most specific range
 * that matches it gives its q (12.5.1): openmetrics-text with version
 * 1.0.0 before one without; text/plain;version=0.0.4, then text/plain,
 * then text/x, then x/x. Wildcards alone never choose OpenMetrics: a client
 * that names nothing gets the format every Prometheus-format reader reads,
 * and a tie goes to it too. version=0.0.1 names the draft that preceded
 * OpenMetrics 1.0, which eved does not write: such a range matches nothing
 * eved serves. Other parameters (charset, Prometheus 3's escaping) change
 * nothing: eved's names and labels need no escaping and its text is UTF-8. */
#ifndef EVED_ACCEPT_H_
#define EVED_ACCEPT_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expo.h"

/* The longest word compared ("openmetrics-text"); longer ones are none
 * of those eved looks for. */
#define EVED_ACCEPT_WORD 16

typedef struct eved_accept {
  uint8_t state;
  bool seen;   /* an Accept field line arrived */
  bool bad;    /* a line was malformed: the whole field is ignored */
  char word[EVED_ACCEPT_WORD];
  uint8_t word_len; /* kept of the word; EVED_ACCEPT_WORD + 1: longer */
  /* The media range being read. */
  uint8_t type, subtype, param, version;
  bool has_q, has_version;
  uint16_t q; /* thousandths */
  /* The most specific match so far for each format, and its q. */
  uint8_t om_level, text_level;
  uint16_t om_q, text_q;
} eved_accept_t;

/* A request begins: no Accept field yet. */
void eved_accept_begin(eved_accept_t *a);
/* One Accept field line: begin, its value in pieces, end. */
void eved_accept_field_begin(eved_accept_t *a);
void eved_accept_feed(eved_accept_t *a, const char *at, size_t len);
void eved_accept_field_end(eved_accept_t *a);
/* The format the fields so far choose. */
eved_expo_format_t eved_accept_format(const eved_accept_t *a);

#endif /* EVED_ACCEPT_H_ */

/* The Host field's value, checked as llhttp streams it by (a value may
 * arrive in pieces across reads), without keeping it: eved serves every
 * host name alike, so only the syntax matters. */
#ifndef EVED_HOST_CHECK_H_
#define EVED_HOST_CHECK_H_

#include <stdbool.h>
#include <stddef.h>

typedef enum eved_host_state {
  EVED_HOST_START,   /* nothing yet: an empty value is valid */
  EVED_HOST_NAME,    /* reg-name or IPv4address */
  EVED_HOST_PCT1,    /* after '%' */
  EVED_HOST_PCT2,    /* after '%' and one hex digit */
  EVED_HOST_LITERAL, /* after '[' */
  EVED_HOST_LITERAL_BODY,
  EVED_HOST_LITERAL_END, /* after ']' */
  EVED_HOST_PORT,
  EVED_HOST_TRAILING, /* whitespace after the value */
  EVED_HOST_BAD
} eved_host_state_t;

typedef struct eved_host_check {
  eved_host_state_t state;
} eved_host_check_t;

void eved_host_check_begin(eved_host_check_t *check);
void eved_host_check_feed(eved_host_check_t *check, const char *at, size_t len);
/* Once the value has ended: is it `uri-host [ ":" port ]`? */
bool eved_host_check_valid(const eved_host_check_t *check);

#endif /* EVED_HOST_CHECK_H_ */

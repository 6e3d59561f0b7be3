/* RFC 9110 7.2: Host = uri-host [ ":" port ], with uri-host from RFC 3986
 * 3.2.2: IP-literal / IPv4address / reg-name. reg-name is unreserved,
 * pct-encoded and sub-delims characters, possibly none (an empty Host is
 * valid); an IPv4address is a reg-name as far as characters go. Inside
 * the brackets of an IP-literal, the characters of IPv6address and
 * IPvFuture (hex digits, ':', '.', 'v', unreserved, sub-delims) are taken
 * without checking the address's own grammar. RFC 9112 3.2: any other
 * value is a 400. llhttp has removed the leading whitespace; trailing
 * whitespace (OWS) is not part of the value. */
#include "host_check.h"

#include <string.h>

static bool is_alnum(char b) {
  return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9');
}

static bool is_hex(char b) {
  return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');
}

/* unreserved / sub-delims (RFC 3986 2.3, 2.2) */
static bool is_name_char(char b) {
  return b != '\0' && (is_alnum(b) || strchr("-._~!$&'()*+,;=", b) != NULL);
}

static bool is_ws(char b) { return b == ' ' || b == '\t'; }

static eved_host_state_t step(eved_host_state_t s, char b) {
  switch (s) {
    case EVED_HOST_START:
      /* An empty reg-name may still be followed by a port. */
      return b == '[' ? EVED_HOST_LITERAL : step(EVED_HOST_NAME, b);
    case EVED_HOST_NAME:
      if (is_name_char(b)) return EVED_HOST_NAME;
      if (b == '%') return EVED_HOST_PCT1;
      if (b == ':') return EVED_HOST_PORT;
      return is_ws(b) ? EVED_HOST_TRAILING : EVED_HOST_BAD;
    case EVED_HOST_PCT1:
      return is_hex(b) ? EVED_HOST_PCT2 : EVED_HOST_BAD;
    case EVED_HOST_PCT2:
      return is_hex(b) ? EVED_HOST_NAME : EVED_HOST_BAD;
    case EVED_HOST_LITERAL:
    case EVED_HOST_LITERAL_BODY:
      if (is_name_char(b) || b == ':') return EVED_HOST_LITERAL_BODY;
      return b == ']' && s == EVED_HOST_LITERAL_BODY ? EVED_HOST_LITERAL_END : EVED_HOST_BAD;
    case EVED_HOST_LITERAL_END:
      if (b == ':') return EVED_HOST_PORT;
      return is_ws(b) ? EVED_HOST_TRAILING : EVED_HOST_BAD;
    case EVED_HOST_PORT:
      if (b >= '0' && b <= '9') return EVED_HOST_PORT;
      return is_ws(b) ? EVED_HOST_TRAILING : EVED_HOST_BAD;
    case EVED_HOST_TRAILING:
      return is_ws(b) ? EVED_HOST_TRAILING : EVED_HOST_BAD;
    case EVED_HOST_BAD:
      break;
  }
  return EVED_HOST_BAD;
}

void eved_host_check_begin(eved_host_check_t *check) { check->state = EVED_HOST_START; }

void eved_host_check_feed(eved_host_check_t *check, const char *at, size_t len) {
  for (size_t i = 0; i < len && check->state != EVED_HOST_BAD; i++)
    check->state = step(check->state, at[i]);
}

bool eved_host_check_valid(const eved_host_check_t *check) {
  switch (check->state) {
    case EVED_HOST_START:
    case EVED_HOST_NAME:
    case EVED_HOST_LITERAL_END:
    case EVED_HOST_PORT:
    case EVED_HOST_TRAILING:
      return true;
    default:
      return false;
  }
}

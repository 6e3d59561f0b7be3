/* The Authorization field's Basic credentials (RFC 7617), parsed strictly
 * from the field value as received. No I/O and no allocation: fuzzed
 * alone (fuzz.auth_header). */
#ifndef EVED_AUTH_HEADER_H_
#define EVED_AUTH_HEADER_H_

#include <stdbool.h>
#include <stddef.h>

/* The longest field value kept: "Basic ", 344 characters of base64 (258
 * bytes of credentials), a little whitespace. Longer is malformed. */
#define EVED_AUTH_VALUE_MAX 360
/* The decoded credentials' room ("user:password"). */
#define EVED_AUTH_CREDENTIALS_MAX 258

typedef struct eved_auth_credentials {
  char text[EVED_AUTH_CREDENTIALS_MAX + 1]; /* user NUL password NUL */
  size_t user_len;
  const char *password; /* into text */
  size_t password_len;
} eved_auth_credentials_t;

/* Parses value[0..len) as `Basic <token68>`: the scheme in any case
 * (RFC 9110 11.1), one or more spaces, base64 with its padding (RFC 4648
 * 4; no line breaks, no other characters), trailing spaces or tabs
 * allowed; decoded, a user-id, a colon, a password (RFC 7617 2: the first
 * colon splits; neither part holds a control character; UTF-8 is kept as
 * bytes). True and *out filled, or false for anything else. */
bool eved_auth_header_parse(const char *value, size_t len, eved_auth_credentials_t *out);

#endif /* EVED_AUTH_HEADER_H_ */

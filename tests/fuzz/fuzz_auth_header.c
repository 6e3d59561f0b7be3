/* libFuzzer target: the Authorization field's parser (http/auth_header.c)
 * on any bytes. Accepted credentials must be what the field says: the
 * value starts with "Basic " in any case, the user holds no colon, neither
 * part a control character, the lengths add up within the bound, and
 * base64 of "user:password" written back is the token (strict base64 has
 * one text per value). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth_header.h"

#define CHECK(cond)                                                                      \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      fprintf(stderr, "fuzz_auth_header: check failed: %s (line %d)\n", #cond, __LINE__); \
      abort();                                                                           \
    }                                                                                    \
  } while (0)

static size_t encode(const unsigned char *in, size_t len, char *out) {
  static const char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t o = 0;
  for (size_t i = 0; i < len; i += 3) {
    unsigned long g = (unsigned long)in[i] << 16;
    if (i + 1 < len) g |= (unsigned long)in[i + 1] << 8;
    if (i + 2 < len) g |= in[i + 2];
    out[o++] = alphabet[(g >> 18) & 63];
    out[o++] = alphabet[(g >> 12) & 63];
    out[o++] = i + 1 < len ? alphabet[(g >> 6) & 63] : '=';
    out[o++] = i + 2 < len ? alphabet[g & 63] : '=';
  }
  return o;
}

static void no_ctl(const char *p, size_t len) {
  for (size_t i = 0; i < len; i++) CHECK((unsigned char)p[i] >= 0x20 && (unsigned char)p[i] != 0x7f);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size) {
  eved_auth_credentials_t c;
  if (!eved_auth_header_parse((const char *)data, size, &c)) return 0;
  CHECK(size > 6);
  for (size_t i = 0; i < 6; i++) CHECK((data[i] | (i < 5 ? 0x20 : 0)) == (unsigned char)"basic "[i]);
  CHECK(c.user_len + 1 + c.password_len <= EVED_AUTH_CREDENTIALS_MAX);
  CHECK(strlen(c.text) == c.user_len && c.password == c.text + c.user_len + 1);
  CHECK(strlen(c.password) == c.password_len);
  CHECK(memchr(c.text, ':', c.user_len) == NULL);
  no_ctl(c.text, c.user_len);
  no_ctl(c.password, c.password_len);
  unsigned char joined[EVED_AUTH_CREDENTIALS_MAX];
  memcpy(joined, c.text, c.user_len);
  joined[c.user_len] = ':';
  memcpy(joined + c.user_len + 1, c.password, c.password_len);
  char token[EVED_AUTH_CREDENTIALS_MAX / 3 * 4 + 8];
  size_t n = encode(joined, c.user_len + 1 + c.password_len, token);
  /* The token: after the scheme and its spaces, before trailing OWS. */
  size_t at = 6;
  while (at < size && data[at] == ' ') at++;
  size_t end = size;
  while (end > at && (data[end - 1] == ' ' || data[end - 1] == '\t')) end--;
  CHECK(end - at == n && memcmp(data + at, token, n) == 0);
  return 0;
}

/* Basic credentials out of an Authorization field value (auth_header.h). */
#include "auth_header.h"

#include <string.h>

#include "secret.h"

static int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

/* RFC 4648 4, padded: groups of four; '=' only in the last group's last
 * one or two places; the bits a short group leaves over must be zero
 * (RFC 4648 3.5), so one text means one value. Returns the decoded
 * length, or -1. */
static long decode(const char *in, size_t len, unsigned char *out, size_t room) {
  if (len == 0 || len % 4 != 0) return -1;
  size_t pad = in[len - 1] == '=' ? (in[len - 2] == '=' ? 2 : 1) : 0;
  size_t n = len / 4 * 3 - pad;
  if (n > room) return -1;
  size_t o = 0;
  for (size_t i = 0; i < len; i += 4) {
    int v[4];
    for (size_t k = 0; k < 4; k++) {
      bool padding = i + k >= len - pad;
      v[k] = padding ? (in[i + k] == '=' ? 0 : -1) : b64_value(in[i + k]);
      if (v[k] < 0) return -1;
    }
    unsigned long group = (unsigned long)v[0] << 18 | (unsigned long)v[1] << 12 |
                          (unsigned long)v[2] << 6 | (unsigned long)v[3];
    unsigned char bytes[3] = {(unsigned char)(group >> 16), (unsigned char)(group >> 8),
                              (unsigned char)group};
    size_t take = i + 4 < len ? 3 : 3 - pad;
    if (take < 3 && bytes[take] != 0) return -1; /* leftover bits */
    memcpy(out + o, bytes, take);
    o += take;
  }
  return (long)o;
}

static bool has_ctl(const char *p, size_t len) {
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)p[i];
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

bool eved_auth_header_parse(const char *value, size_t len, eved_auth_credentials_t *out) {
  static const char scheme[] = "basic";
  size_t at = 0;
  if (len < sizeof scheme) return false;
  for (; at < sizeof scheme - 1; at++) {
    char c = value[at];
    if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
    if (c != scheme[at]) return false;
  }
  if (value[at] != ' ') return false;
  while (at < len && value[at] == ' ') at++;
  size_t end = len;
  while (end > at && (value[end - 1] == ' ' || value[end - 1] == '\t')) end--;
  unsigned char decoded[EVED_AUTH_CREDENTIALS_MAX];
  long n = decode(value + at, end - at, decoded, sizeof decoded);
  if (n < 0) return false;
  const unsigned char *colon = memchr(decoded, ':', (size_t)n);
  if (colon == NULL) return false;
  size_t user_len = (size_t)(colon - decoded);
  size_t password_len = (size_t)n - user_len - 1;
  if (has_ctl((const char *)decoded, (size_t)n)) {
    eved_secret_wipe(decoded, sizeof decoded);
    return false;
  }
  memcpy(out->text, decoded, user_len);
  out->text[user_len] = '\0';
  memcpy(out->text + user_len + 1, colon + 1, password_len);
  out->text[user_len + 1 + password_len] = '\0';
  out->user_len = user_len;
  out->password = out->text + user_len + 1;
  out->password_len = password_len;
  /* The decoded copy held the password. */
  eved_secret_wipe(decoded, sizeof decoded);
  return true;
}

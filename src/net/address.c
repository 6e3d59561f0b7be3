/* "host:port" parsing and formatting, the same code on every OS: no
 * inet_pton, so a config file checks the same way on Linux and Windows
 * (and before Winsock is started). */
#include <stdio.h>
#include <string.h>

#include "eve_net.h"

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Decimal in [0, max], no sign, no leading zeros beyond "0", at least one digit. */
static int parse_decimal(const char *s, size_t len, unsigned long max, unsigned long *out) {
  if (len == 0 || len > 5 || (len > 1 && s[0] == '0')) return EVE_EINVAL;
  unsigned long v = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9') return EVE_EINVAL;
    v = v * 10 + (unsigned long)(s[i] - '0');
  }
  if (v > max) return EVE_EINVAL;
  *out = v;
  return EVE_OK;
}

static int parse_ipv4(const char *s, size_t len, uint8_t out[4]) {
  size_t start = 0;
  for (int part = 0; part < 4; part++) {
    size_t end = start;
    while (end < len && s[end] != '.') end++;
    if ((part < 3) != (end < len)) return EVE_EINVAL;
    unsigned long v;
    if (parse_decimal(s + start, end - start, 255, &v) != EVE_OK) return EVE_EINVAL;
    out[part] = (uint8_t)v;
    start = end + 1;
  }
  return EVE_OK;
}

/* RFC 4291 text: eight groups of up to four hex digits, one "::" standing
 * for a run of zero groups. (A trailing dotted IPv4 part is not accepted.) */
static int parse_ipv6(const char *s, size_t len, uint8_t out[16]) {
  uint16_t groups[8] = {0};
  int count = 0, gap = -1;
  size_t i = 0;
  if (len >= 2 && s[0] == ':' && s[1] == ':') {
    gap = 0;
    i = 2;
  } else if (len >= 1 && s[0] == ':') {
    return EVE_EINVAL;
  }
  while (i < len) {
    if (count == 8) return EVE_EINVAL;
    unsigned v = 0;
    size_t digits = 0;
    while (i < len && hex_value(s[i]) >= 0 && digits < 5) {
      v = v * 16 + (unsigned)hex_value(s[i]);
      i++;
      digits++;
    }
    if (digits == 0 || digits > 4) return EVE_EINVAL;
    groups[count++] = (uint16_t)v;
    if (i == len) break;
    if (s[i] != ':') return EVE_EINVAL;
    i++;
    if (i < len && s[i] == ':') {
      if (gap >= 0) return EVE_EINVAL;
      gap = count;
      i++;
    } else if (i == len) {
      return EVE_EINVAL; /* a single trailing colon */
    }
  }
  if (gap < 0 && count != 8) return EVE_EINVAL;
  if (gap >= 0 && count == 8) return EVE_EINVAL;
  uint16_t full[8] = {0};
  if (gap < 0) {
    memcpy(full, groups, sizeof full);
  } else {
    int tail = count - gap;
    memcpy(full, groups, (size_t)gap * sizeof groups[0]);
    memcpy(full + 8 - tail, groups + gap, (size_t)tail * sizeof groups[0]);
  }
  for (int g = 0; g < 8; g++) {
    out[2 * g] = (uint8_t)(full[g] >> 8);
    out[2 * g + 1] = (uint8_t)(full[g] & 0xff);
  }
  return EVE_OK;
}

int eve_net_address_parse(const char *text, eve_net_address_t *out) {
  if (text == NULL || out == NULL) return EVE_EINVAL;
  memset(out, 0, sizeof *out);
  size_t len = strlen(text);
  if (len == 0 || len >= EVE_NET_ADDRESS_TEXT_MAX) return EVE_EINVAL;
  const char *colon = strrchr(text, ':');
  if (colon == NULL) return EVE_EINVAL;
  unsigned long port;
  if (parse_decimal(colon + 1, strlen(colon + 1), 65535, &port) != EVE_OK) return EVE_EINVAL;
  out->port = (uint16_t)port;
  size_t host_len = (size_t)(colon - text);
  if (host_len >= 2 && text[0] == '[' && text[host_len - 1] == ']') {
    out->family = 6;
    return parse_ipv6(text + 1, host_len - 2, out->bytes);
  }
  if (host_len == 9 && memcmp(text, "localhost", 9) == 0) {
    out->family = 4;
    out->bytes[0] = 127;
    out->bytes[3] = 1;
    return EVE_OK;
  }
  out->family = 4;
  return parse_ipv4(text, host_len, out->bytes);
}

void eve_net_address_format(const eve_net_address_t *address, char *buf, size_t size) {
  if (buf == NULL || size == 0) return;
  if (address->family == 4) {
    snprintf(buf, size, "%u.%u.%u.%u:%u", address->bytes[0], address->bytes[1],
             address->bytes[2], address->bytes[3], (unsigned)address->port);
    return;
  }
  /* The longest run of two or more zero groups becomes "::" (RFC 5952). */
  unsigned groups[8];
  for (int g = 0; g < 8; g++) groups[g] = (unsigned)address->bytes[2 * g] << 8 | address->bytes[2 * g + 1];
  int best = -1, best_len = 1;
  for (int g = 0; g < 8;) {
    int run = 0;
    while (g + run < 8 && groups[g + run] == 0) run++;
    if (run > best_len) {
      best = g;
      best_len = run;
    }
    g += run ? run : 1;
  }
  char text[48];
  size_t n = 0;
  for (int g = 0; g < 8; g++) {
    if (g == best) {
      n += (size_t)snprintf(text + n, sizeof text - n, "::");
      g += best_len - 1;
      continue;
    }
    bool after_gap = best >= 0 && g == best + best_len;
    n += (size_t)snprintf(text + n, sizeof text - n, "%s%x", (g == 0 || after_gap) ? "" : ":",
                          groups[g]);
  }
  snprintf(buf, size, "[%s]:%u", text, (unsigned)address->port);
}

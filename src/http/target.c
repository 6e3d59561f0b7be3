/* RFC 9112 3.2: request-target = origin-form / absolute-form /
 * authority-form / asterisk-form. 3.2.2: a server MUST accept the
 * absolute-form (and route its path, whatever the Host field says); eved
 * takes "scheme://authority" and routes what follows as an origin-form
 * target would be. llhttp has checked the characters. */
#include "target.h"

#include <string.h>

static bool is_scheme_char(char b) {
  return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') ||
         b == '+' || b == '-' || b == '.';
}

static void keep(eved_target_t *t, char b) {
  if (t->len < sizeof t->path) {
    t->path[t->len++] = b;
  } else {
    t->overflow = true;
  }
}

static void step(eved_target_t *t, char b) {
  switch (t->form) {
    case EVED_TARGET_START:
      if (b == '/') {
        t->form = EVED_TARGET_PATH;
        keep(t, b);
      } else if (b == '*') {
        t->form = EVED_TARGET_ASTERISK;
      } else {
        bool alpha = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z');
        t->form = alpha ? EVED_TARGET_SCHEME : EVED_TARGET_OTHER;
      }
      return;
    case EVED_TARGET_SCHEME:
      if (b == ':') {
        t->form = EVED_TARGET_SLASHES;
      } else if (!is_scheme_char(b)) {
        t->form = EVED_TARGET_OTHER;
      }
      return;
    case EVED_TARGET_SLASHES:
      /* "host:port" (authority-form) has a digit here, not "//". */
      if (b != '/') {
        t->form = EVED_TARGET_OTHER;
      } else if (++t->slashes == 2) {
        t->form = EVED_TARGET_AUTHORITY;
      }
      return;
    case EVED_TARGET_AUTHORITY:
      if (b == '/') {
        t->form = EVED_TARGET_PATH;
        keep(t, b);
      } else if (b == '?' || b == '#') {
        t->form = EVED_TARGET_QUERY;
        keep(t, '/');
      }
      return;
    case EVED_TARGET_PATH:
      if (b == '?' || b == '#') {
        t->form = EVED_TARGET_QUERY;
      } else {
        keep(t, b);
      }
      return;
    case EVED_TARGET_ASTERISK:
      t->form = EVED_TARGET_OTHER;
      return;
    case EVED_TARGET_QUERY:
    case EVED_TARGET_OTHER:
      return;
  }
}

void eved_target_begin(eved_target_t *target) { memset(target, 0, sizeof *target); }

void eved_target_feed(eved_target_t *target, const char *at, size_t len) {
  for (size_t i = 0; i < len; i++) step(target, at[i]);
}

const char *eved_target_path(eved_target_t *target, size_t *len) {
  if (target->form == EVED_TARGET_AUTHORITY) {
    target->form = EVED_TARGET_PATH;
    keep(target, '/');
  }
  bool routable = target->form == EVED_TARGET_PATH || target->form == EVED_TARGET_QUERY;
  if (!routable || target->overflow) return NULL;
  *len = target->len;
  return target->path;
}

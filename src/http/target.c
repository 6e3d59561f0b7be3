/* RFC 9112 3.2: request-target = origin-form / absolute-form /
 * authority-form / asterisk-form. 3.2.2: a server MUST accept the
 * absolute-form (and route its path, whatever the Host field says); eved
 * takes "scheme://authority" and routes what follows as an origin-form
 * target would be. llhttp has checked the characters. */
#include "target.h"

#include <string.h>

#include "table.h"

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

static bool prefix_ci(const char *s, size_t len, const char *prefix) {
  size_t n = strlen(prefix);
  if (len < n) return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
    char p = prefix[i];
    if (p >= 'a' && p <= 'z') p = (char)(p - 'a' + 'A');
    if (c != p) return false;
  }
  return true;
}

/* One whole parameter: a collect[] (its brackets raw or percent-encoded,
 * RFC 3986 2.1) adds its collector; every other parameter is ignored. */
static void end_param(eved_target_t *t) {
  static const char *const keys[] = {"collect[]=", "collect%5B%5D="};
  const char *value = NULL;
  size_t len = t->param_len;
  for (size_t i = 0; i < 2 && value == NULL; i++) {
    if (prefix_ci(t->param, len, keys[i])) value = t->param + strlen(keys[i]);
  }
  if (value != NULL) {
    t->collect_given = true;
    size_t value_len = (size_t)(t->param + len - value);
    char name[EVED_TARGET_PARAM_MAX];
    memcpy(name, value, value_len);
    name[value_len] = '\0';
    int index = t->param_overflow ? -1 : eved_collect_index(name);
    if (index >= 0) {
      t->collect_mask |= 1u << index;
    } else if (!t->collect_unknown) {
      t->collect_unknown = true;
      memcpy(t->collect_bad, name, value_len + 1);
    }
  }
  t->param_len = 0;
  t->param_overflow = false;
}

static void query_step(eved_target_t *t, char b) {
  if (b == '#') t->query_done = true;
  if (t->query_done) return;
  if (b == '&') {
    end_param(t);
  } else if (t->param_len < sizeof t->param - 1) {
    t->param[t->param_len++] = b;
  } else {
    t->param_overflow = true;
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
      query_step(t, b);
      return;
    case EVED_TARGET_OTHER:
      return;
  }
}

void eved_target_begin(eved_target_t *target) { memset(target, 0, sizeof *target); }

void eved_target_feed(eved_target_t *target, const char *at, size_t len) {
  for (size_t i = 0; i < len; i++) step(target, at[i]);
}

void eved_target_end(eved_target_t *target) {
  if (target->form != EVED_TARGET_QUERY || target->query_done) return;
  end_param(target);
  target->query_done = true;
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

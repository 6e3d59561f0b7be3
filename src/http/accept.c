#include <string.h>

#include "accept.h"

enum state {
  ELEM_START,    /* before a media range (OWS, empty elements) */
  TYPE,          /* in the type */
  SUBTYPE_START, /* after "/" */
  SUBTYPE,
  AFTER_ITEM,    /* after the subtype or a parameter: OWS, ";" or "," */
  PARAM_START,   /* after ";": OWS, another ";", "," or a name */
  PARAM_NAME,
  VALUE_START,   /* after "=" */
  TOKEN_VALUE,
  QUOTED,
  QUOTED_PAIR,   /* after "\" in a quoted string */
  BAD
};

enum word_class { OTHER, ANY, TEXT, APPLICATION, PLAIN, OPENMETRICS };
enum param { PARAM_OTHER, PARAM_Q, PARAM_VERSION };
enum version { VERSION_OTHER, VERSION_1_0_0, VERSION_0_0_4 };

/* Specificity levels (RFC 9110 12.5.1: the most specific range wins). */
enum { OM_BARE = 1, OM_VERSIONED = 2 };
enum { TEXT_ANY = 1, TEXT_TYPE = 2, TEXT_BARE = 3, TEXT_VERSIONED = 4 };

#define Q_ONE 1000

/* RFC 9110 5.6.2 tchar. */
static bool is_tchar(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool is_ows(unsigned char c) { return c == ' ' || c == '\t'; }

/* RFC 9110 5.6.4 qdtext, and the octets a quoted-pair may escape. */
static bool is_qdtext(unsigned char c) {
  return c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5b) ||
         (c >= 0x5d && c <= 0x7e) || c >= 0x80;
}
static bool is_pair_octet(unsigned char c) {
  return c == '\t' || c == ' ' || (c >= 0x21 && c <= 0x7e) || c >= 0x80;
}

static void word_begin(eved_accept_t *a) { a->word_len = 0; }

/* Keeps the word's first EVED_ACCEPT_WORD octets; a longer word is marked
 * so, and equals no word eved compares. Names are case-insensitive
 * (RFC 9110 8.3.1, 5.6.6): folded; values are kept as they are. */
static void word_add(eved_accept_t *a, unsigned char c, bool fold) {
  if (a->word_len >= EVED_ACCEPT_WORD) {
    a->word_len = EVED_ACCEPT_WORD + 1;
    return;
  }
  if (fold && c >= 'A' && c <= 'Z') c = (unsigned char)(c - 'A' + 'a');
  a->word[a->word_len++] = (char)c;
}

static bool word_is(const eved_accept_t *a, const char *w) {
  size_t n = strlen(w);
  return a->word_len == n && memcmp(a->word, w, n) == 0;
}

static uint8_t classify(const eved_accept_t *a) {
  if (word_is(a, "*")) return ANY;
  if (word_is(a, "text")) return TEXT;
  if (word_is(a, "application")) return APPLICATION;
  if (word_is(a, "plain")) return PLAIN;
  if (word_is(a, "openmetrics-text")) return OPENMETRICS;
  return OTHER;
}

static void element_begin(eved_accept_t *a) {
  a->type = a->subtype = OTHER;
  a->param = PARAM_OTHER;
  a->version = VERSION_OTHER;
  a->has_q = a->has_version = false;
  a->q = Q_ONE;
}

/* RFC 9110 12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ). */
static bool parse_q(const eved_accept_t *a, uint16_t *q) {
  size_t n = a->word_len;
  if (n == 0 || n > 5 || (a->word[0] != '0' && a->word[0] != '1')) return false;
  if (n > 1 && a->word[1] != '.') return false;
  unsigned value = (unsigned)(a->word[0] - '0') * Q_ONE, scale = 100;
  for (size_t i = 2; i < n; i++, scale /= 10) {
    char d = a->word[i];
    if (d < '0' || d > '9' || (a->word[0] == '1' && d != '0')) return false;
    value += (unsigned)(d - '0') * scale;
  }
  *q = (uint16_t)value;
  return true;
}

static void update(uint8_t *best_level, uint16_t *best_q, uint8_t level, uint16_t q) {
  if (level == 0) return;
  if (level > *best_level) {
    *best_level = level;
    *best_q = q;
  } else if (level == *best_level && q > *best_q) {
    *best_q = q;
  }
}

/* A whole media range has been read: what it says of each format. */
static void element_end(eved_accept_t *a) {
  if (a->type == ANY && a->subtype != ANY) {
    a->state = BAD; /* "*" / subtype is no media range */
    return;
  }
  bool versioned = a->has_version;
  uint8_t om = 0, text = 0;
  if (a->type == APPLICATION && a->subtype == OPENMETRICS) {
    om = !versioned ? OM_BARE : a->version == VERSION_1_0_0 ? OM_VERSIONED : 0;
  } else if (a->type == TEXT && a->subtype == PLAIN) {
    text = !versioned ? TEXT_BARE : a->version == VERSION_0_0_4 ? TEXT_VERSIONED : 0;
  } else if (a->subtype == ANY && (a->type == TEXT || a->type == ANY) &&
             (!versioned || a->version == VERSION_0_0_4)) {
    text = a->type == ANY ? TEXT_ANY : TEXT_TYPE;
  }
  update(&a->om_level, &a->om_q, om, a->q);
  update(&a->text_level, &a->text_q, text, a->q);
}

static void param_name_end(eved_accept_t *a) {
  a->param = word_is(a, "q") ? PARAM_Q : word_is(a, "version") ? PARAM_VERSION : PARAM_OTHER;
  /* A second weight or version leaves the range meaning two things. */
  if ((a->param == PARAM_Q && a->has_q) || (a->param == PARAM_VERSION && a->has_version))
    a->state = BAD;
}

static void value_end(eved_accept_t *a) {
  if (a->param == PARAM_Q) {
    a->has_q = true;
    if (!parse_q(a, &a->q)) a->state = BAD;
  } else if (a->param == PARAM_VERSION) {
    a->has_version = true;
    a->version = word_is(a, "1.0.0") ? VERSION_1_0_0 : word_is(a, "0.0.4") ? VERSION_0_0_4 : VERSION_OTHER;
  }
}

/* After a range's subtype or a parameter: OWS, ";", "," or the end. */
static void after_item(eved_accept_t *a, unsigned char c) {
  if (is_ows(c)) {
    a->state = AFTER_ITEM;
  } else if (c == ';') {
    a->state = PARAM_START;
  } else if (c == ',') {
    a->state = ELEM_START;
    element_end(a);
  } else {
    a->state = BAD;
  }
}

static void step(eved_accept_t *a, unsigned char c) {
  switch ((enum state)a->state) {
    case ELEM_START:
      if (is_ows(c) || c == ',') break;
      if (!is_tchar(c)) {
        a->state = BAD;
        break;
      }
      element_begin(a);
      word_begin(a);
      word_add(a, c, true);
      a->state = TYPE;
      break;
    case TYPE:
      if (is_tchar(c)) {
        word_add(a, c, true);
      } else if (c == '/') {
        a->type = classify(a);
        a->state = SUBTYPE_START;
      } else {
        a->state = BAD;
      }
      break;
    case SUBTYPE_START:
      if (!is_tchar(c)) {
        a->state = BAD;
        break;
      }
      word_begin(a);
      word_add(a, c, true);
      a->state = SUBTYPE;
      break;
    case SUBTYPE:
      if (is_tchar(c)) {
        word_add(a, c, true);
        break;
      }
      a->subtype = classify(a);
      after_item(a, c);
      break;
    case AFTER_ITEM:
      after_item(a, c);
      break;
    case PARAM_START:
      if (is_ows(c) || c == ';') break;
      if (c == ',') {
        a->state = ELEM_START;
        element_end(a);
      } else if (is_tchar(c)) {
        word_begin(a);
        word_add(a, c, true);
        a->state = PARAM_NAME;
      } else {
        a->state = BAD;
      }
      break;
    case PARAM_NAME:
      if (is_tchar(c)) {
        word_add(a, c, true);
      } else if (c == '=') {
        a->state = VALUE_START;
        param_name_end(a);
      } else {
        a->state = BAD;
      }
      break;
    case VALUE_START:
      word_begin(a);
      if (c == '"' && a->param != PARAM_Q) { /* a qvalue is never quoted (12.4.2) */
        a->state = QUOTED;
      } else if (is_tchar(c)) {
        word_add(a, c, false);
        a->state = TOKEN_VALUE;
      } else {
        a->state = BAD;
      }
      break;
    case TOKEN_VALUE:
      if (is_tchar(c)) {
        word_add(a, c, false);
        break;
      }
      a->state = AFTER_ITEM;
      value_end(a);
      if (a->state != BAD) after_item(a, c);
      break;
    case QUOTED:
      if (c == '"') {
        a->state = AFTER_ITEM;
        value_end(a);
      } else if (c == '\\') {
        a->state = QUOTED_PAIR;
      } else if (is_qdtext(c)) {
        word_add(a, c, false);
      } else {
        a->state = BAD;
      }
      break;
    case QUOTED_PAIR:
      if (is_pair_octet(c)) {
        word_add(a, c, false);
        a->state = QUOTED;
      } else {
        a->state = BAD;
      }
      break;
    case BAD:
      break;
  }
}

void eved_accept_begin(eved_accept_t *a) { *a = (eved_accept_t){.state = ELEM_START}; }

void eved_accept_field_begin(eved_accept_t *a) {
  a->seen = true;
  if (!a->bad) a->state = ELEM_START;
}

void eved_accept_feed(eved_accept_t *a, const char *at, size_t len) {
  for (size_t i = 0; i < len && a->state != BAD; i++) step(a, (unsigned char)at[i]);
}

void eved_accept_field_end(eved_accept_t *a) {
  switch ((enum state)a->state) {
    case ELEM_START:
      break;
    case SUBTYPE:
      a->subtype = classify(a);
      element_end(a);
      break;
    case TOKEN_VALUE:
      value_end(a);
      if (a->state != BAD) element_end(a);
      break;
    case AFTER_ITEM:
    case PARAM_START:
      element_end(a);
      break;
    default:
      a->state = BAD; /* the line ends inside a range, a name or a string */
      break;
  }
  if (a->state == BAD) a->bad = true;
  a->state = a->bad ? BAD : ELEM_START;
}

eved_expo_format_t eved_accept_format(const eved_accept_t *a) {
  if (!a->seen || a->bad || a->om_level == 0 || a->om_q == 0) return EVED_EXPO_TEXT;
  uint16_t text_q = a->text_level > 0 ? a->text_q : 0;
  return a->om_q > text_q ? EVED_EXPO_OPENMETRICS : EVED_EXPO_TEXT;
}

/* The textfile parser (textfile_parse.h): one pass over the lines, each
 * token copied NUL-terminated into the caller's strings, with two
 * open-addressing tables (families by name, series by family and label
 * set) so a file of many series costs linear time. */
#include "textfile_parse.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct parser {
  eved_textfile_parsed_t *out;
  eved_textfile_error_t *error;
  const char *p, *end; /* the line being read */
  size_t line;
} parser_t;

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static eved_textfile_status_t fail(parser_t *ps, eved_textfile_status_t status, const char *format,
                                   ...) {
  eved_textfile_error_t *e = ps->error;
  e->status = status;
  e->line = ps->line;
  int n = ps->line ? snprintf(e->message, sizeof e->message, "line %llu: ", (unsigned long long)ps->line) : 0;
  if (n < 0) n = 0;
  va_list ap;
  va_start(ap, format);
  vsnprintf(e->message + n, sizeof e->message - (size_t)n, format, ap);
  va_end(ap);
  return status;
}

/* https://datatracker.ietf.org/doc/html/rfc3629#section-4: no overlong
 * forms, no surrogates, nothing above U+10FFFF. Returns the offset of the
 * first bad byte, or len. */
static size_t utf8_invalid_at(const unsigned char *s, size_t len) {
  size_t i = 0;
  while (i < len) {
    unsigned c = s[i];
    if (c == 0) return i;
    if (c < 0x80) {
      i++;
      continue;
    }
    size_t n;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return i;
    }
    if (len - i <= n) return i;
    if (s[i + 1] < lo || s[i + 1] > hi) return i;
    for (size_t k = 2; k <= n; k++)
      if (s[i + k] < 0x80 || s[i + k] > 0xBF) return i;
    i += n + 1;
  }
  return len;
}

int eved_textfile_utf8_ok(const char *s, size_t len) {
  return utf8_invalid_at((const unsigned char *)s, len) == len;
}

static bool blank(char c) { return c == ' ' || c == '\t'; }

static void skip_blanks(parser_t *ps) {
  while (ps->p < ps->end && blank(*ps->p)) ps->p++;
}

static bool name_start(char c, bool metric) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (metric && c == ':');
}

static bool name_char(char c, bool metric) { return name_start(c, metric) || (c >= '0' && c <= '9'); }

/* Copies [from, to) into the strings; NULL (bound) when it does not fit. */
static const char *keep(eved_textfile_parsed_t *out, const char *from, size_t n) {
  if (n + 1 > out->string_cap - out->string_len) return NULL;
  char *copy = out->strings + out->string_len;
  memcpy(copy, from, n);
  copy[n] = '\0';
  out->string_len += n + 1;
  return copy;
}

/* A metric (or label) name at p, copied; NULL with the error set. */
static const char *read_name(parser_t *ps, bool metric, const char *what) {
  const char *start = ps->p;
  if (ps->p == ps->end || !name_start(*ps->p, metric)) {
    fail(ps, EVED_TEXTFILE_MALFORMED, "expected a %s", what);
    return NULL;
  }
  while (ps->p < ps->end && name_char(*ps->p, metric)) ps->p++;
  const char *name = keep(ps->out, start, (size_t)(ps->p - start));
  if (name == NULL) fail(ps, EVED_TEXTFILE_BOUND, "the file's names and values exceed the string bound");
  return name;
}

/* Text up to `stop` (a quote) or the line's end, unescaped into the
 * strings: \\ and \n, and \" when quoted. NULL with the error set. */
static const char *read_escaped(parser_t *ps, bool quoted) {
  eved_textfile_parsed_t *out = ps->out;
  char *copy = out->strings + out->string_len;
  size_t room = out->string_cap - out->string_len, n = 0;
  /* Even an empty value takes its terminator. */
  if (room == 0) {
    fail(ps, EVED_TEXTFILE_BOUND, "the file's names and values exceed the string bound");
    return NULL;
  }
  for (;;) {
    if (ps->p == ps->end) {
      if (quoted) {
        fail(ps, EVED_TEXTFILE_MALFORMED, "label value without its closing quote");
        return NULL;
      }
      break;
    }
    char c = *ps->p++;
    if (quoted && c == '"') break;
    if (c == '\\') {
      char next = ps->p < ps->end ? *ps->p++ : '\0';
      if (next == 'n') {
        c = '\n';
      } else if (next == '\\' || (quoted && next == '"')) {
        c = next;
      } else {
        fail(ps, EVED_TEXTFILE_MALFORMED, "invalid escape \"\\%c\" (only \\\\, \\n%s)",
             next ? next : ' ', quoted ? " and \\\"" : "");
        return NULL;
      }
    }
    if (n + 1 >= room) {
      fail(ps, EVED_TEXTFILE_BOUND, "the file's names and values exceed the string bound");
      return NULL;
    }
    copy[n++] = c;
  }
  copy[n] = '\0';
  out->string_len += n + 1;
  return copy;
}

static uint64_t fnv(uint64_t h, const char *s) {
  for (; *s != '\0'; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
  return (h ^ 0xff) * 1099511628211u; /* the terminator, so "ab","c" differs from "a","bc" */
}

#define FNV_BASIS 14695981039346656037u

/* The family table's slot for name: its index + 1 in the slot, or the
 * empty slot where it would go. */
static uint32_t *family_slot(eved_textfile_parsed_t *out, const char *name) {
  size_t mask = out->index_cap - 1, i = (size_t)fnv(FNV_BASIS, name) & mask;
  for (;; i = (i + 1) & mask) {
    uint32_t *slot = &out->family_index[i];
    if (*slot == 0 || strcmp(out->families[*slot - 1].name, name) == 0) return slot;
  }
}

/* The family a line about `name` belongs to: the current one, or a new
 * one. NULL with the error set when the name had lines before (split). */
static eved_textfile_family_t *family_for(parser_t *ps, const char *name) {
  eved_textfile_parsed_t *out = ps->out;
  if (out->family_count > 0 && strcmp(out->families[out->family_count - 1].name, name) == 0)
    return &out->families[out->family_count - 1];
  uint32_t *slot = family_slot(out, name);
  if (*slot != 0) {
    fail(ps, EVED_TEXTFILE_MALFORMED,
         "the lines of family \"%.64s\" are not adjacent (a family is written in one piece)", name);
    return NULL;
  }
  if (out->family_count == out->family_cap) {
    fail(ps, EVED_TEXTFILE_BOUND, "more than %llu families", (unsigned long long)out->family_cap);
    return NULL;
  }
  eved_textfile_family_t *f = &out->families[out->family_count++];
  *f = (eved_textfile_family_t){
      .name = name, .help = "", .type = EVED_METRIC_UNTYPED, .first_sample = out->sample_count};
  *slot = (uint32_t)out->family_count;
  return f;
}

static bool word(parser_t *ps, const char *w) {
  size_t n = strlen(w);
  if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, w, n) != 0) return false;
  if (ps->p + n < ps->end && !blank(ps->p[n])) return false;
  ps->p += n;
  return true;
}

static eved_textfile_status_t type_line(parser_t *ps, eved_textfile_family_t *f) {
  static const struct {
    const char *word;
    eved_metric_type_t type;
  } types[] = {{"counter", EVED_METRIC_COUNTER},
               {"gauge", EVED_METRIC_GAUGE},
               {"untyped", EVED_METRIC_UNTYPED}};
  if (f->typed) return fail(ps, EVED_TEXTFILE_MALFORMED, "a second TYPE for \"%.64s\"", f->name);
  if (f->sample_count > 0)
    return fail(ps, EVED_TEXTFILE_MALFORMED, "TYPE for \"%.64s\" after its samples", f->name);
  for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
    if (!word(ps, types[i].word)) continue;
    skip_blanks(ps);
    if (ps->p != ps->end) break;
    f->type = types[i].type;
    f->typed = 1;
    return EVED_TEXTFILE_OK;
  }
  if (word(ps, "histogram") || word(ps, "summary"))
    return fail(ps, EVED_TEXTFILE_MALFORMED,
                "histogram and summary families are not supported in textfiles (write their "
                "series as gauges or untyped)");
  return fail(ps, EVED_TEXTFILE_MALFORMED, "TYPE must be counter, gauge or untyped");
}

/* "# HELP name text", "# TYPE name type", or a comment (ignored). */
static eved_textfile_status_t comment_line(parser_t *ps) {
  ps->p++; /* '#' */
  skip_blanks(ps);
  bool help = word(ps, "HELP");
  if (!help && !word(ps, "TYPE")) return EVED_TEXTFILE_OK;
  skip_blanks(ps);
  const char *name = read_name(ps, true, "metric name after HELP or TYPE");
  if (name == NULL) return ps->error->status;
  if (ps->p < ps->end && !blank(*ps->p))
    return fail(ps, EVED_TEXTFILE_MALFORMED, "invalid character in metric name \"%.64s\"", name);
  eved_textfile_family_t *f = family_for(ps, name);
  if (f == NULL) return ps->error->status;
  if (f->name != name) ps->out->string_len -= strlen(name) + 1; /* the family's copy serves */
  skip_blanks(ps);
  if (!help) return type_line(ps, f);
  if (f->helped) return fail(ps, EVED_TEXTFILE_MALFORMED, "a second HELP for \"%.64s\"", f->name);
  if (f->sample_count > 0)
    return fail(ps, EVED_TEXTFILE_MALFORMED, "HELP for \"%.64s\" after its samples", f->name);
  const char *text = read_escaped(ps, false);
  if (text == NULL) return ps->error->status;
  f->help = text;
  f->helped = 1;
  return EVED_TEXTFILE_OK;
}

static bool same_word(const char *s, const char *w) {
  for (; *w != '\0'; s++, w++) {
    char c = (*s >= 'A' && *s <= 'Z') ? (char)(*s - 'A' + 'a') : *s;
    if (c != *w) return false;
  }
  return *s == '\0';
}

/* A value token (NUL-terminated, at most 63 bytes): a decimal number as
 * the format's Go parser reads it, or NaN / [+-]Inf / [+-]Infinity in
 * any case (strconv.ParseFloat). Hexadecimal and digit separators, which
 * strtod would also take, are refused. */
static bool parse_value(const char *t, double *value) {
  const char *u = (*t == '+' || *t == '-') ? t + 1 : t;
  if (same_word(u, "inf") || same_word(u, "infinity")) {
    *value = *t == '-' ? -INFINITY : INFINITY;
    return true;
  }
  if (u == t && same_word(t, "nan")) {
    *value = NAN;
    return true;
  }
  size_t digits = 0;
  const char *q = u;
  while (*q >= '0' && *q <= '9') q++, digits++;
  if (*q == '.') {
    q++;
    while (*q >= '0' && *q <= '9') q++, digits++;
  }
  if (digits == 0) return false;
  if (*q == 'e' || *q == 'E') {
    q++;
    if (*q == '+' || *q == '-') q++;
    if (!(*q >= '0' && *q <= '9')) return false;
    while (*q >= '0' && *q <= '9') q++;
  }
  if (*q != '\0') return false;
  char *stop;
  *value = strtod(t, &stop);
  return *stop == '\0';
}

static bool label_equal(const eved_label_t *a, const eved_label_t *b) {
  return strcmp(a->name, b->name) == 0 && strcmp(a->value, b->value) == 0;
}

/* Same label sets (each name once in either). */
static bool same_series(const eved_textfile_parsed_t *out, const eved_textfile_sample_t *a,
                        const eved_textfile_sample_t *b) {
  if (a->hash != b->hash || a->label_count != b->label_count) return false;
  for (size_t i = 0; i < a->label_count; i++) {
    bool found = false;
    for (size_t j = 0; j < b->label_count && !found; j++)
      found = label_equal(&out->labels[a->first_label + i], &out->labels[b->first_label + j]);
    if (!found) return false;
  }
  return true;
}

/* {name="value",...}: each label appended to out->labels. */
static eved_textfile_status_t read_labels(parser_t *ps, eved_textfile_sample_t *s) {
  eved_textfile_parsed_t *out = ps->out;
  ps->p++; /* '{' */
  for (;;) {
    skip_blanks(ps);
    if (ps->p < ps->end && *ps->p == '}') break;
    const char *name = read_name(ps, false, "label name or '}'");
    if (name == NULL) return ps->error->status;
    if (name[0] == '_' && name[1] == '_')
      return fail(ps, EVED_TEXTFILE_MALFORMED, "label name \"%.64s\" starts with \"__\" (reserved)",
                  name);
    skip_blanks(ps);
    if (ps->p == ps->end || *ps->p != '=')
      return fail(ps, EVED_TEXTFILE_MALFORMED, "expected '=' after label name \"%.64s\"", name);
    ps->p++;
    skip_blanks(ps);
    if (ps->p == ps->end || *ps->p != '"')
      return fail(ps, EVED_TEXTFILE_MALFORMED, "expected '\"' before the value of label \"%.64s\"",
                  name);
    ps->p++;
    const char *value = read_escaped(ps, true);
    if (value == NULL) return ps->error->status;
    for (size_t i = 0; i < s->label_count; i++)
      if (strcmp(out->labels[s->first_label + i].name, name) == 0)
        return fail(ps, EVED_TEXTFILE_MALFORMED, "label \"%.64s\" twice in one series", name);
    if (value[0] != '\0') { /* an empty value is no label at all */
      if (s->label_count == EVED_TEXTFILE_LABELS_MAX)
        return fail(ps, EVED_TEXTFILE_BOUND, "more than %d labels in one series",
                    EVED_TEXTFILE_LABELS_MAX);
      if (out->label_count == out->label_cap)
        return fail(ps, EVED_TEXTFILE_BOUND, "more than %llu labels in the file",
                    (unsigned long long)out->label_cap);
      out->labels[out->label_count++] = (eved_label_t){name, value};
      s->label_count++;
      s->hash += fnv(fnv(FNV_BASIS, name), value); /* a sum: the order does not matter */
    }
    skip_blanks(ps);
    if (ps->p < ps->end && *ps->p == ',') {
      ps->p++;
      continue;
    }
    if (ps->p < ps->end && *ps->p == '}') break;
    return fail(ps, EVED_TEXTFILE_MALFORMED, "expected ',' or '}' after label \"%.64s\"", name);
  }
  ps->p++; /* '}' */
  return EVED_TEXTFILE_OK;
}

/* Files the sample in the series table; false if it is there already. */
static bool series_new(eved_textfile_parsed_t *out, size_t family, size_t index) {
  eved_textfile_sample_t *s = &out->samples[index];
  size_t mask = out->index_cap - 1;
  size_t i = (size_t)((s->hash + family * 0x9E3779B97F4A7C15u) * 0xff51afd7ed558ccdu >> 20) & mask;
  for (;; i = (i + 1) & mask) {
    uint32_t *slot = &out->sample_index[i];
    if (*slot == 0) {
      *slot = (uint32_t)index + 1;
      return true;
    }
    const eved_textfile_sample_t *other = &out->samples[*slot - 1];
    /* Samples of other families are in the table too: a family's own
     * samples are those from its first_sample on. */
    if (*slot - 1 >= out->families[family].first_sample && same_series(out, s, other)) return false;
  }
}

static eved_textfile_status_t sample_line(parser_t *ps) {
  eved_textfile_parsed_t *out = ps->out;
  const char *name = read_name(ps, true, "metric name");
  if (name == NULL) return ps->error->status;
  eved_textfile_family_t *f = family_for(ps, name);
  if (f == NULL) return ps->error->status;
  if (f->name != name) out->string_len -= strlen(name) + 1; /* the family's copy serves */
  name = f->name;
  if (out->sample_count == out->sample_cap)
    return fail(ps, EVED_TEXTFILE_BOUND, "more than %llu series", (unsigned long long)out->sample_cap);
  eved_textfile_sample_t *s = &out->samples[out->sample_count];
  *s = (eved_textfile_sample_t){.first_label = out->label_count};
  if (ps->p < ps->end && *ps->p == '{') {
    eved_textfile_status_t rc = read_labels(ps, s);
    if (rc != EVED_TEXTFILE_OK) return rc;
  } else if (ps->p < ps->end && !blank(*ps->p)) {
    return fail(ps, EVED_TEXTFILE_MALFORMED, "invalid character in metric name \"%.64s\"", name);
  }
  skip_blanks(ps);
  const char *start = ps->p;
  while (ps->p < ps->end && !blank(*ps->p)) ps->p++;
  char token[64];
  size_t n = (size_t)(ps->p - start);
  if (n == 0) return fail(ps, EVED_TEXTFILE_MALFORMED, "\"%.64s\" has no value", name);
  if (n >= sizeof token) return fail(ps, EVED_TEXTFILE_MALFORMED, "value of \"%.64s\" too long", name);
  memcpy(token, start, n);
  token[n] = '\0';
  if (!parse_value(token, &s->value))
    return fail(ps, EVED_TEXTFILE_MALFORMED, "\"%.64s\" is not a number", token);
  skip_blanks(ps);
  if (ps->p != ps->end) {
    bool stamp = true;
    for (const char *q = ps->p; q < ps->end && !blank(*q); q++)
      stamp = stamp && ((*q >= '0' && *q <= '9') || (*q == '-' && q == ps->p));
    return fail(ps, EVED_TEXTFILE_MALFORMED, "%s",
                stamp ? "client-side timestamps are not supported (remove the timestamp)"
                      : "unexpected text after the value");
  }
  size_t family = (size_t)(f - out->families);
  if (!series_new(out, family, out->sample_count))
    return fail(ps, EVED_TEXTFILE_DUPLICATE, "series of \"%.64s\" given twice", name);
  out->sample_count++;
  f->sample_count++;
  return EVED_TEXTFILE_OK;
}

eved_textfile_status_t eved_textfile_parse(const char *buf, size_t len, eved_textfile_parsed_t *out,
                                           eved_textfile_error_t *error) {
  parser_t ps = {.out = out, .error = error};
  *error = (eved_textfile_error_t){.status = EVED_TEXTFILE_OK};
  out->family_count = out->sample_count = out->label_count = out->string_len = 0;
  memset(out->family_index, 0, out->index_cap * sizeof *out->family_index);
  memset(out->sample_index, 0, out->index_cap * sizeof *out->sample_index);
  if (out->index_cap <= out->sample_cap || out->index_cap <= out->family_cap ||
      (out->index_cap & (out->index_cap - 1)) != 0)
    return fail(&ps, EVED_TEXTFILE_BOUND, "index_cap must be a power of two above the caps");
  const unsigned char *u = (const unsigned char *)buf;
  if (len >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF)))
    return fail(&ps, EVED_TEXTFILE_MALFORMED, "the file is UTF-16: save it as UTF-8");
  if (len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) buf += 3, len -= 3;
  size_t bad = utf8_invalid_at((const unsigned char *)buf, len);
  const char *end = buf + len;
  for (const char *line = buf; line < end; line = ps.end + 1) {
    ps.line++;
    const char *nl = memchr(line, '\n', (size_t)(end - line));
    ps.end = nl != NULL ? nl : end;
    if ((size_t)(ps.end - buf) > bad)
      return fail(&ps, EVED_TEXTFILE_MALFORMED, "%s", buf[bad] == '\0' ? "a NUL byte" : "not UTF-8");
    if (ps.end > line && ps.end[-1] == '\r') ps.end--;
    /* Only as CRLF's CR: one inside a line (help text, a label value)
     * would be a different character once written back with LF ends. */
    if (memchr(line, '\r', (size_t)(ps.end - line)) != NULL)
      return fail(&ps, EVED_TEXTFILE_MALFORMED, "a carriage return inside a line");
    if ((size_t)(ps.end - line) > EVED_TEXTFILE_LINE_MAX)
      return fail(&ps, EVED_TEXTFILE_BOUND, "longer than %d bytes", EVED_TEXTFILE_LINE_MAX);
    ps.p = line;
    skip_blanks(&ps);
    eved_textfile_status_t rc = EVED_TEXTFILE_OK;
    if (ps.p == ps.end) {
      /* blank */
    } else if (*ps.p == '#') {
      rc = comment_line(&ps);
    } else {
      rc = sample_line(&ps);
    }
    if (rc != EVED_TEXTFILE_OK) return rc;
    if (nl == NULL) break;
    if (ps.end < nl) ps.end = nl; /* past the \r */
  }
  return EVED_TEXTFILE_OK;
}

/* libFuzzer target: the textfile parser (collect/textfile_parse.c) on any
 * bytes. A parse either fails with a status, a message and a line inside
 * the input, or succeeds within every bound with valid names and UTF-8
 * label values; what it accepted, written back in the text format, parses
 * again to the same families, series and values. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textfile_parse.h"

#define CHECK(cond)                                                                   \
  do {                                                                                \
    if (!(cond)) {                                                                    \
      fprintf(stderr, "fuzz_textfile: check failed: %s (line %d)\n", #cond, __LINE__); \
      abort();                                                                        \
    }                                                                                 \
  } while (0)

/* Small caps, so the bounds are reached often. */
enum { FAMILIES = 64, SAMPLES = 256, LABELS = 1024, INDEX = 512, STRINGS = 1 << 18 };

typedef struct store {
  eved_textfile_family_t families[FAMILIES];
  eved_textfile_sample_t samples[SAMPLES];
  eved_label_t labels[LABELS];
  char strings[STRINGS];
  uint32_t family_index[INDEX], sample_index[INDEX];
  eved_textfile_parsed_t parsed;
} store_t;

static store_t first, second;
static char text[1 << 19];

static void init(store_t *s) {
  s->parsed = (eved_textfile_parsed_t){.families = s->families, .family_cap = FAMILIES,
                                       .samples = s->samples, .sample_cap = SAMPLES,
                                       .labels = s->labels, .label_cap = LABELS,
                                       .strings = s->strings, .string_cap = STRINGS,
                                       .family_index = s->family_index,
                                       .sample_index = s->sample_index, .index_cap = INDEX};
}

static bool metric_name(const char *n) {
  if (*n == '\0' || (*n >= '0' && *n <= '9')) return false;
  for (; *n; n++)
    if (!((*n >= 'a' && *n <= 'z') || (*n >= 'A' && *n <= 'Z') || (*n >= '0' && *n <= '9') ||
          *n == '_' || *n == ':'))
      return false;
  return true;
}

static size_t put(size_t at, const char *s) {
  size_t n = strlen(s);
  CHECK(at + n < sizeof text);
  memcpy(text + at, s, n);
  return at + n;
}

static size_t put_escaped(size_t at, const char *s, bool quotes) {
  for (; *s; s++) {
    char c[3] = {*s, 0, 0};
    if (*s == '\\' || (*s == '"' && quotes)) c[0] = '\\', c[1] = *s;
    if (*s == '\n') c[0] = '\\', c[1] = 'n';
    at = put(at, c);
  }
  return at;
}

static size_t write_back(const eved_textfile_parsed_t *p) {
  static const char *const types[] = {"gauge", "counter", "untyped"};
  size_t at = 0;
  char number[64];
  for (size_t f = 0; f < p->family_count; f++) {
    const eved_textfile_family_t *fam = &p->families[f];
    at = put(at, "# HELP ");
    at = put(at, fam->name);
    at = put(at, " ");
    at = put_escaped(at, fam->help, false);
    at = put(at, "\n# TYPE ");
    at = put(at, fam->name);
    at = put(at, " ");
    at = put(at, types[fam->type]);
    at = put(at, "\n");
    for (size_t i = 0; i < fam->sample_count; i++) {
      const eved_textfile_sample_t *s = &p->samples[fam->first_sample + i];
      at = put(at, fam->name);
      at = put(at, "{");
      for (size_t l = 0; l < s->label_count; l++) {
        const eved_label_t *label = &p->labels[s->first_label + l];
        at = put(at, label->name);
        at = put(at, "=\"");
        at = put_escaped(at, label->value, true);
        at = put(at, "\",");
      }
      if (isnan(s->value)) {
        snprintf(number, sizeof number, "} NaN\n");
      } else if (isinf(s->value)) {
        snprintf(number, sizeof number, "} %sInf\n", s->value > 0 ? "+" : "-");
      } else {
        snprintf(number, sizeof number, "} %.17g\n", s->value);
      }
      at = put(at, number);
    }
  }
  return at;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  init(&first);
  eved_textfile_error_t error;
  eved_textfile_parsed_t *p = &first.parsed;
  if (eved_textfile_parse((const char *)data, size, p, &error) != EVED_TEXTFILE_OK) {
    size_t lines = 1;
    for (size_t i = 0; i < size; i++) lines += data[i] == '\n';
    CHECK(error.status != EVED_TEXTFILE_OK && error.message[0] != '\0');
    CHECK(memchr(error.message, '\0', sizeof error.message) != NULL);
    CHECK(error.line <= lines);
    return 0;
  }
  CHECK(p->family_count <= FAMILIES && p->sample_count <= SAMPLES && p->label_count <= LABELS);
  CHECK(p->string_len <= STRINGS);
  size_t next = 0;
  for (size_t f = 0; f < p->family_count; f++) {
    const eved_textfile_family_t *fam = &p->families[f];
    CHECK(metric_name(fam->name) && eved_textfile_utf8_ok(fam->help, strlen(fam->help)));
    CHECK(fam->first_sample == next);
    next += fam->sample_count;
  }
  CHECK(next == p->sample_count);
  for (size_t i = 0; i < p->sample_count; i++) {
    const eved_textfile_sample_t *s = &p->samples[i];
    CHECK(s->label_count <= EVED_TEXTFILE_LABELS_MAX);
    for (size_t l = 0; l < s->label_count; l++) {
      const eved_label_t *label = &p->labels[s->first_label + l];
      CHECK(label->value[0] != '\0' && eved_textfile_utf8_ok(label->value, strlen(label->value)));
      CHECK(metric_name(label->name) && strchr(label->name, ':') == NULL);
      CHECK(!(label->name[0] == '_' && label->name[1] == '_'));
    }
  }
  size_t len = write_back(p);
  init(&second);
  eved_textfile_parsed_t *q = &second.parsed;
  if (eved_textfile_parse(text, len, q, &error) != EVED_TEXTFILE_OK) {
    fprintf(stderr, "written back: %s\n%.*s\n", error.message, (int)len, text);
    CHECK(!"what was accepted, written back, parses again");
  }
  CHECK(q->family_count == p->family_count && q->sample_count == p->sample_count);
  for (size_t i = 0; i < p->sample_count; i++) {
    double a = p->samples[i].value, b = q->samples[i].value;
    CHECK((isnan(a) && isnan(b)) || a == b);
    CHECK(p->samples[i].label_count == q->samples[i].label_count);
  }
  for (size_t f = 0; f < p->family_count; f++) {
    CHECK(strcmp(p->families[f].name, q->families[f].name) == 0);
    CHECK(strcmp(p->families[f].help, q->families[f].help) == 0);
    CHECK(p->families[f].type == q->families[f].type);
  }
  return 0;
}

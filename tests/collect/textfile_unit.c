/* Unit tests of the textfile parser (collect/textfile_parse.c): what a
 * good file gives, and each refusal with its status and line. One ctest
 * entry per test: collect.textfile_<name>. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "textfile_parse.h"

enum { FAMILIES = 8, SAMPLES = 16, LABELS = 64, INDEX = 32 };

static eved_textfile_family_t families[FAMILIES];
static eved_textfile_sample_t samples[SAMPLES];
static eved_label_t labels[LABELS];
static char strings[64 * 1024];
static uint32_t family_index[INDEX], sample_index[INDEX];
static eved_textfile_parsed_t parsed;
static eved_textfile_error_t error;

static eved_textfile_status_t parse_in(const char *text, size_t len, size_t string_cap) {
  parsed = (eved_textfile_parsed_t){.families = families, .family_cap = FAMILIES,
                                    .samples = samples, .sample_cap = SAMPLES,
                                    .labels = labels, .label_cap = LABELS,
                                    .strings = strings, .string_cap = string_cap,
                                    .family_index = family_index, .sample_index = sample_index,
                                    .index_cap = INDEX};
  return eved_textfile_parse(text, len, &parsed, &error);
}

static eved_textfile_status_t parse(const char *text, size_t len) {
  return parse_in(text, len, sizeof strings);
}

static const char *label(size_t sample, const char *name) {
  const eved_textfile_sample_t *s = &samples[sample];
  for (size_t i = 0; i < s->label_count; i++)
    if (strcmp(labels[s->first_label + i].name, name) == 0) return labels[s->first_label + i].value;
  return NULL;
}

static void test_good(void) {
  static const char text[] =
      "\xEF\xBB\xBF# a comment\r\n"
      "# HELP app_jobs_total Jobs done, with \\\\ and\\n a newline.\r\n"
      "# TYPE app_jobs_total counter\r\n"
      "app_jobs_total{queue=\"a\",kind=\"x\\\"y\\\\z\\nw\"} 3\r\n"
      "app_jobs_total{ kind = \"x\" , queue=\"b\", } 1e3\n"
      "\n"
      "  # TYPE app_temp gauge\n"
      "app_temp{empty=\"\"} -Inf\n"
      "app_up\t+Inf\n"
      "app_nan NaN\n"
      "app_utf8{name=\"caf\xC3\xA9\"} -0.5\n"
      "app_last .25";
  CHECK(parse(text, sizeof text - 1) == EVED_TEXTFILE_OK);
  if (error.status != EVED_TEXTFILE_OK) fprintf(stderr, "%s\n", error.message);
  CHECK(parsed.family_count == 6 && parsed.sample_count == 7);
  CHECK(strcmp(families[0].name, "app_jobs_total") == 0 && families[0].type == EVED_METRIC_COUNTER);
  CHECK(strcmp(families[0].help, "Jobs done, with \\ and\n a newline.") == 0);
  CHECK(families[0].sample_count == 2 && samples[1].value == 1000);
  CHECK(strcmp(label(0, "kind"), "x\"y\\z\nw") == 0 && strcmp(label(1, "queue"), "b") == 0);
  CHECK(families[1].type == EVED_METRIC_GAUGE && families[1].helped == 0);
  CHECK(samples[2].label_count == 0 && isinf(samples[2].value) && samples[2].value < 0);
  CHECK(families[2].type == EVED_METRIC_UNTYPED && isinf(samples[3].value) && samples[3].value > 0);
  CHECK(isnan(samples[4].value));
  CHECK(strcmp(label(5, "name"), "caf\xC3\xA9") == 0 && samples[5].value == -0.5);
  CHECK(samples[6].value == 0.25);
}

typedef struct bad {
  const char *text;
  eved_textfile_status_t status;
  size_t line;
  const char *says;
} bad_t;

static const bad_t bads[] = {
    {"a 1\nb 2 1700000000000\n", EVED_TEXTFILE_MALFORMED, 2, "timestamps are not supported"},
    {"a{x=\"1\",y=\"2\"} 1\na{y=\"2\",x=\"1\"} 2\n", EVED_TEXTFILE_DUPLICATE, 2, "given twice"},
    {"a{x=\"\"} 1\na 2\n", EVED_TEXTFILE_DUPLICATE, 2, "given twice"},
    {"a 1\n# TYPE a gauge\n", EVED_TEXTFILE_MALFORMED, 2, "TYPE for \"a\" after its samples"},
    {"a 1\n# HELP a x\n", EVED_TEXTFILE_MALFORMED, 2, "HELP for \"a\" after its samples"},
    {"# TYPE a gauge\n# TYPE a counter\n", EVED_TEXTFILE_MALFORMED, 2, "a second TYPE"},
    {"a 1\nb 1\na{x=\"1\"} 2\n", EVED_TEXTFILE_MALFORMED, 3, "not adjacent"},
    {"a 1\nb 1\n# HELP a late\n", EVED_TEXTFILE_MALFORMED, 3, "not adjacent"},
    {"1a 1\n", EVED_TEXTFILE_MALFORMED, 1, "expected a metric name"},
    {"a-b 1\n", EVED_TEXTFILE_MALFORMED, 1, "invalid character"},
    {"a{1x=\"1\"} 1\n", EVED_TEXTFILE_MALFORMED, 1, "expected a label name"},
    {"a{__x=\"1\"} 1\n", EVED_TEXTFILE_MALFORMED, 1, "reserved"},
    {"a{x=\"1\",x=\"2\"} 1\n", EVED_TEXTFILE_MALFORMED, 1, "twice in one series"},
    {"a 1\na{x=\"\xC3\x28\"} 1\n", EVED_TEXTFILE_MALFORMED, 2, "not UTF-8"},
    {"a{x=\"\xED\xA0\x80\"} 1\n", EVED_TEXTFILE_MALFORMED, 1, "not UTF-8"}, /* a surrogate */
    {"a{x=\"\xC0\xAF\"} 1\n", EVED_TEXTFILE_MALFORMED, 1, "not UTF-8"},     /* overlong */
    {"\xFF\xFE" "a\0 \0" "1\0", EVED_TEXTFILE_MALFORMED, 0, "UTF-16"},
    {"# TYPE h histogram\n", EVED_TEXTFILE_MALFORMED, 1, "not supported"},
    {"# TYPE s summary\n", EVED_TEXTFILE_MALFORMED, 1, "not supported"},
    {"# TYPE s info\n", EVED_TEXTFILE_MALFORMED, 1, "counter, gauge or untyped"},
    {"a{x=\"\\t\"} 1\n", EVED_TEXTFILE_MALFORMED, 1, "invalid escape"},
    {"a{x=\"1} 1\n", EVED_TEXTFILE_MALFORMED, 1, "closing quote"},
    {"a{x=\"1\" y=\"2\"} 1\n", EVED_TEXTFILE_MALFORMED, 1, "expected ',' or '}'"},
    {"a{x} 1\n", EVED_TEXTFILE_MALFORMED, 1, "expected '='"},
    {"a\n", EVED_TEXTFILE_MALFORMED, 1, "has no value"},
    {"a 0x10\n", EVED_TEXTFILE_MALFORMED, 1, "not a number"},
    {"a 1_000\n", EVED_TEXTFILE_MALFORMED, 1, "not a number"},
    {"a 1e\n", EVED_TEXTFILE_MALFORMED, 1, "not a number"},
    {"a nan1\n", EVED_TEXTFILE_MALFORMED, 1, "not a number"},
    {"a 1 x\n", EVED_TEXTFILE_MALFORMED, 1, "unexpected text"},
    {"# HELP a bad \\x escape\n", EVED_TEXTFILE_MALFORMED, 1, "invalid escape"},
    {"# HELP a ends in CR\r\r\n", EVED_TEXTFILE_MALFORMED, 1, "carriage return"},
    {"a{x=\"1\r2\"} 1\r\n", EVED_TEXTFILE_MALFORMED, 1, "carriage return"},
};

static void test_refusals(void) {
  for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++) {
    const bad_t *b = &bads[i];
    /* The UTF-16 case holds NULs: its length is counted to its last one. */
    size_t len = b->text[0] == '\xFF' ? 8 : strlen(b->text);
    eved_textfile_status_t rc = parse(b->text, len);
    bool ok = rc == b->status && error.status == b->status && error.line == b->line &&
              strstr(error.message, b->says) != NULL;
    if (!ok) {
      fprintf(stderr, "case %d: status %d line %d \"%s\", want %d line %d \"%s\"\n", (int)i, (int)rc,
              (int)error.line, error.message, (int)b->status, (int)b->line, b->says);
      failures++;
    }
  }
}

static void test_bounds(void) {
  char text[64 * 1024];
  size_t at = 0;
  for (int i = 0; i <= SAMPLES; i++)
    at += (size_t)snprintf(text + at, sizeof text - at, "a{i=\"%d\"} 1\n", i);
  CHECK(parse(text, at) == EVED_TEXTFILE_BOUND && error.line == SAMPLES + 1 &&
        strstr(error.message, "more than 16 series") != NULL);
  at = 0;
  for (int i = 0; i <= FAMILIES; i++) at += (size_t)snprintf(text + at, sizeof text - at, "f%d 1\n", i);
  CHECK(parse(text, at) == EVED_TEXTFILE_BOUND && strstr(error.message, "families") != NULL);
  at = (size_t)snprintf(text, sizeof text, "a{");
  for (int i = 0; i <= EVED_TEXTFILE_LABELS_MAX; i++)
    at += (size_t)snprintf(text + at, sizeof text - at, "l%d=\"v\",", i);
  at += (size_t)snprintf(text + at, sizeof text - at, "} 1\n");
  CHECK(parse(text, at) == EVED_TEXTFILE_BOUND && strstr(error.message, "labels in one series"));
  memset(text, ' ', EVED_TEXTFILE_LINE_MAX + 1);
  memcpy(text, "a 1", 3);
  CHECK(parse(text, EVED_TEXTFILE_LINE_MAX + 1) == EVED_TEXTFILE_BOUND &&
        strstr(error.message, "longer than") != NULL);
  CHECK(parse(text, EVED_TEXTFILE_LINE_MAX) == EVED_TEXTFILE_OK); /* trailing blanks are fine */
  /* The string bound exactly filled ("a", "b": 4 bytes), then an empty
   * value: refused, nothing written past the bound. */
  static const char full[] = "a{b=\"\"} 1\nc 1\n";
  memset(strings, 'x', 8);
  CHECK(parse_in(full, sizeof full - 1, 4) == EVED_TEXTFILE_BOUND && strings[4] == 'x');
  CHECK(parse_in(full, sizeof full - 1, 7) == EVED_TEXTFILE_OK && strings[7] == 'x');
}

int main(int argc, char **argv) {
  static const struct {
    const char *name;
    void (*fn)(void);
  } tests[] = {{"textfile_good", test_good},
               {"textfile_refusals", test_refusals},
               {"textfile_bounds", test_bounds}};
  for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
    if (argc == 2 && strcmp(argv[1], tests[i].name) != 0) continue;
    tests[i].fn();
    printf("%s %s\n", failures ? "FAIL" : "ok", tests[i].name);
    if (argc == 2) return failures ? 1 : 0;
  }
  if (argc == 2) {
    fprintf(stderr, "no test %s\n", argv[1]);
    return 2;
  }
  return failures ? 1 : 0;
}

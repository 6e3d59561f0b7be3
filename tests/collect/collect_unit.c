/* Unit tests of the metric set (collect/metric_set.c) and its renderer
 * (stats/host_render.c): bounds, what is dropped and counted, escaping,
 * number text, the OpenMetrics family names, and the collector name
 * check. One ctest entry per test: collect.<name>. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "collector.h"
#include "host_render.h"
#include "metric_set.h"
#include "table.h"
#include "textbuf.h"

static char out[8192];

static const char *render(const eved_metric_set_t *set, bool openmetrics) {
  eved_textbuf_t b;
  eved_textbuf_init(&b, out, sizeof out);
  eved_expo_t e;
  eved_expo_init(&e, &b, openmetrics ? EVED_EXPO_OPENMETRICS : EVED_EXPO_TEXT);
  eved_metric_set_render(&e, set);
  return eved_textbuf_finish(&b) > 0 ? out : "";
}

static void test_set_bounds(void) {
  eved_metric_set_t *set = eved_metric_set_create(2, 3, 8);
  if (set == NULL) {
    failures++;
    return;
  }
  eved_label_t l = {"device", "abc"}; /* 4 bytes with its terminator */
  CHECK(eved_metric_family(set, "a_total", EVED_METRIC_COUNTER, "A."));
  CHECK(eved_metric_sample(set, 1, 1, &l));
  CHECK(eved_metric_sample(set, 2, 1, &l));
  CHECK(!eved_metric_sample(set, 3, 1, &l)); /* strings full: 8 bytes */
  CHECK(set->dropped == 1 && set->string_len == 8);
  CHECK(eved_metric_sample(set, 4, 0, NULL));
  CHECK(!eved_metric_sample(set, 5, 0, NULL)); /* samples full */
  CHECK(set->dropped == 2 && set->sample_count == 3);
  CHECK(eved_metric_family(set, "b", EVED_METRIC_GAUGE, "B."));
  CHECK(!eved_metric_family(set, "c", EVED_METRIC_GAUGE, "C.")); /* families full */
  CHECK(!eved_metric_sample(set, 6, 0, NULL)); /* belongs to the refused family */
  CHECK(set->dropped == 4 && set->families[1].sample_count == 0);
  eved_metric_set_clear(set);
  CHECK(set->family_count == 0 && set->sample_count == 0 && set->string_len == 0 &&
        set->dropped == 0);
  CHECK(!eved_metric_family(set, "9bad", EVED_METRIC_GAUGE, "x"));
  CHECK(!eved_metric_sample(set, 1, 0, NULL)); /* after a refused family */
  CHECK(eved_metric_family(set, "ok:name", EVED_METRIC_GAUGE, "x"));
  eved_label_t reserved = {"__name", "v"};
  CHECK(!eved_metric_sample(set, 1, 1, &reserved));
  eved_label_t many[EVED_METRIC_LABELS_MAX + 1] = {{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"}, {"e", "5"}};
  CHECK(!eved_metric_sample(set, 1, EVED_METRIC_LABELS_MAX + 1, many));
  CHECK(set->dropped == 4 && set->sample_count == 0 && set->string_len == 0);
  eved_metric_set_destroy(set);
}

static void test_render_escaping(void) {
  eved_metric_set_t *set = eved_metric_set_create(4, 4, 256);
  eved_metric_family(set, "x_bytes", EVED_METRIC_GAUGE, "Help with \\ and\nnewline.");
  eved_label_t l[] = {{"mountpoint", "/mnt/a \"b\"\\c\nd"}, {"device", ""}};
  eved_metric_sample(set, 42, 2, l);
  const char *text = render(set, false);
  CHECK(strcmp(text,
               "# HELP x_bytes Help with \\\\ and\\nnewline.\n"
               "# TYPE x_bytes gauge\n"
               "x_bytes{mountpoint=\"/mnt/a \\\"b\\\"\\\\c\\nd\",device=\"\"} 42\n") == 0);
  if (failures) fprintf(stderr, "%s", text);
  eved_metric_set_destroy(set);
}

static void test_render_openmetrics(void) {
  eved_metric_set_t *set = eved_metric_set_create(4, 4, 64);
  eved_metric_family(set, "node_forks_total", EVED_METRIC_COUNTER, "Forks.");
  eved_metric_sample(set, 7, 0, NULL);
  eved_metric_family(set, "node_total", EVED_METRIC_GAUGE, "A gauge keeps its name.");
  eved_metric_sample(set, 1, 0, NULL);
  CHECK(strcmp(render(set, true),
               "# HELP node_forks Forks.\n# TYPE node_forks counter\nnode_forks_total 7\n"
               "# HELP node_total A gauge keeps its name.\n# TYPE node_total gauge\nnode_total 1\n") == 0);
  CHECK(strcmp(render(set, false),
               "# HELP node_forks_total Forks.\n# TYPE node_forks_total counter\nnode_forks_total 7\n"
               "# HELP node_total A gauge keeps its name.\n# TYPE node_total gauge\nnode_total 1\n") == 0);
  eved_metric_set_destroy(set);
}

/* Textfile families: untyped, and a counter named without _total (its
 * OpenMetrics samples get the suffix, as client_golang writes them). */
static void test_render_textfile_types(void) {
  eved_metric_set_t *set = eved_metric_set_create(4, 4, 64);
  eved_metric_family_copy(set, "app_runs", EVED_METRIC_COUNTER, "Runs.");
  eved_metric_sample(set, 7, 0, NULL);
  eved_metric_family_copy(set, "app_x", EVED_METRIC_UNTYPED, "X.");
  eved_metric_sample(set, 1, 0, NULL);
  CHECK(strcmp(render(set, true),
               "# HELP app_runs Runs.\n# TYPE app_runs counter\napp_runs_total 7\n"
               "# HELP app_x X.\n# TYPE app_x unknown\napp_x 1\n") == 0);
  CHECK(strcmp(render(set, false),
               "# HELP app_runs Runs.\n# TYPE app_runs counter\napp_runs 7\n"
               "# HELP app_x X.\n# TYPE app_x untyped\napp_x 1\n") == 0);
  /* Copied: the names live in the set, not in the caller's buffer. */
  CHECK(set->families[0].name >= set->strings && set->families[0].name < set->strings + set->string_cap);
  eved_metric_set_destroy(set);
}

/* Every family a collector of this OS reports starts with one of its
 * namespaces (collector.h), so the textfile collector's clash check,
 * which relies on them, misses none. */
static void test_namespaces(void) {
  size_t count;
  const eved_collector_t *const *table = eved_collectors(&count);
  for (size_t i = 0; i < count; i++) {
    const eved_collector_t *c = table[i];
    eved_metric_set_t *set = eved_metric_set_create_labels(
        c->families ? c->families : 64, c->samples ? c->samples : 1024, c->labels,
        c->string_bytes ? c->string_bytes : 32 * 1024);
    eved_collect_args_t args = {.textfile_dir = "no-such-eved-textfile-dir",
                                .scratch = c->scratch_bytes ? malloc(c->scratch_bytes) : NULL,
                                .scratch_size = c->scratch_bytes};
    char why[512];
    CHECK(set != NULL && c->namespaces != NULL);
    if (set == NULL || c->namespaces == NULL) {
      free(args.scratch);
      eved_metric_set_destroy(set);
      continue;
    }
    CHECK(c->collect(&args, set, why, sizeof why) == 0);
    CHECK(set->family_count > 0);
    for (size_t f = 0; f < set->family_count; f++) {
      bool inside = false;
      for (size_t n = 0; c->namespaces[n] != NULL && !inside; n++)
        inside = strncmp(set->families[f].name, c->namespaces[n], strlen(c->namespaces[n])) == 0;
      if (!inside)
        fprintf(stderr, "%s: %s outside its namespaces\n", c->name, set->families[f].name);
      CHECK(inside);
    }
    free(args.scratch);
    eved_metric_set_destroy(set);
  }
}

static const char *number(double v, bool json) {
  eved_textbuf_t b;
  eved_textbuf_init(&b, out, sizeof out);
  if (json) {
    eved_textbuf_json_number(&b, v);
  } else {
    eved_textbuf_double(&b, v);
  }
  return out;
}

static void test_render_numbers(void) {
  CHECK(strcmp(number(0, false), "0") == 0);
  CHECK(strcmp(number(270553174016.0, false), "270553174016") == 0);
  CHECK(strcmp(number(-3, false), "-3") == 0);
  CHECK(strcmp(number(3846.92, false), "3846.92") == 0);
  CHECK(strcmp(number(0.1, false), "0.1") == 0);
  CHECK(strtod(number(1.0 / 3.0, false), NULL) == 1.0 / 3.0);
  CHECK(strcmp(number(NAN, false), "NaN") == 0);
  CHECK(strcmp(number(INFINITY, false), "+Inf") == 0);
  CHECK(strcmp(number(-INFINITY, false), "-Inf") == 0);
  CHECK(strcmp(number(NAN, true), "null") == 0);
  CHECK(strcmp(number(1e300, false), "1e+300") == 0);
  /* Whole numbers up to 2^53 in integer digits (exact), beyond it %g. */
  CHECK(strcmp(number(1e15, false), "1000000000000000") == 0);
  CHECK(strcmp(number(9007199254740992.0, false), "9007199254740992") == 0);
  CHECK(strcmp(number(-9007199254740992.0, false), "-9007199254740992") == 0);
  CHECK(strcmp(number(18014398509481984.0, false), "18014398509481984") == 0);
  CHECK(strcmp(number(1e17, false), "1e+17") == 0);
  CHECK(strcmp(number(0.5, false), "0.5") == 0);
  CHECK(strcmp(number(-2.5, false), "-2.5") == 0);
}

static void test_render_u64(void) {
  static const struct {
    uint64_t v;
    const char *text;
  } cases[] = {{0, "0"}, {7, "7"}, {10, "10"}, {99, "99"}, {100, "100"}, {101, "101"},
               {12345, "12345"}, {1000000, "1000000"}, {UINT64_MAX, "18446744073709551615"}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char text[EVED_U64_TEXT_MAX];
    size_t n = eved_u64_text(cases[i].v, text);
    CHECK(n == strlen(cases[i].text) && strcmp(text, cases[i].text) == 0);
  }
}

static const char *fixed(double v, unsigned decimals) {
  eved_textbuf_t b;
  eved_textbuf_init(&b, out, sizeof out);
  eved_textbuf_fixed(&b, v, decimals);
  return eved_textbuf_finish(&b) > 0 ? out : "";
}

static void test_render_fixed(void) {
  CHECK(strcmp(fixed(1.218, 3), "1.218") == 0);
  CHECK(strcmp(fixed(0.000388, 6), "0.000388") == 0);
  CHECK(strcmp(fixed(0.0003884, 6), "0.000388") == 0);
  CHECK(strcmp(fixed(0.0003886, 6), "0.000389") == 0);
  CHECK(strcmp(fixed(2.9999999, 3), "3.000") == 0);
  CHECK(strcmp(fixed(0, 3), "0.000") == 0);
  CHECK(strcmp(fixed(12, 0), "12") == 0);
  /* Outside what it writes: %g's text. */
  CHECK(strcmp(fixed(-1.5, 3), "-1.5") == 0);
  CHECK(strcmp(fixed(1e13, 3), "10000000000000") == 0);
  CHECK(strcmp(fixed(0.25, 7), "0.25") == 0);
  CHECK(strcmp(fixed(NAN, 3), "NaN") == 0);
}

static void test_render_bound(void) {
  eved_metric_set_t *set = eved_metric_set_create(1, 200, 200 * 8);
  eved_metric_family(set, "wide", EVED_METRIC_GAUGE, "W.");
  for (int i = 0; i < 200; i++) {
    char v[8];
    snprintf(v, sizeof v, "%d", i);
    eved_label_t l = {"i", v};
    CHECK(eved_metric_sample(set, i, 1, &l));
  }
  char small[256];
  eved_textbuf_t b;
  eved_textbuf_init(&b, small, sizeof small);
  eved_expo_t e;
  eved_expo_init(&e, &b, EVED_EXPO_TEXT);
  eved_metric_set_render(&e, set);
  /* Too big for the buffer: the text is marked failed, never cut short. */
  CHECK(b.failed && eved_textbuf_finish(&b) == 0);
  eved_metric_set_destroy(set);
}

static void test_name_check(void) {
  char why[256];
  CHECK(eved_collect_check_name("bogus", why, sizeof why) == -1);
  CHECK(strstr(why, "unknown collector \"bogus\"") != NULL);
  size_t count;
  const eved_collector_t *const *table = eved_collect_table(&count);
  for (size_t i = 0; i < count; i++) {
    CHECK(eved_collect_check_name(table[i]->name, why, sizeof why) == 0);
    CHECK(eved_collector_find(table[i]->name) == table[i]);
    CHECK(eved_collector_other_os(table[i]->name) == NULL);
  }
  /* Linux has filesystem, Windows logical_disk and service: each OS names
   * the other's. */
  const char *other = eved_collector_find("filesystem") ? "service" : "filesystem";
  CHECK(eved_collect_check_name(other, why, sizeof why) == -1);
  CHECK(strstr(why, "-only collector") != NULL && strstr(why, other) != NULL);
}

int main(int argc, char **argv) {
  static const struct {
    const char *name;
    void (*fn)(void);
  } tests[] = {{"set_bounds", test_set_bounds},         {"render_escaping", test_render_escaping},
               {"render_openmetrics", test_render_openmetrics},
               {"render_numbers", test_render_numbers},
               {"render_fixed", test_render_fixed}, {"render_u64", test_render_u64}, {"render_bound", test_render_bound},
               {"name_check", test_name_check},
               {"render_textfile_types", test_render_textfile_types},
               {"namespaces", test_namespaces}};
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

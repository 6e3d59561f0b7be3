/* A test hook (only in eved_test_hooks): the collector "test_labels"
 * reports one sample whose label value holds each kind of character the
 * renderings must escape, each after ordinary text, so the server tests
 * can check /stats (JSON, RFC 8259 section 7) and /metrics (the text
 * format's \\, \" and \n) give back exactly that value. Real label values
 * (mount points, interface names) rarely hold any of them. */
#include "collector.h"

/* Quote, backslash, newline, two control characters (0x01 and 0x1f: their
 * \\u00XX escapes differ in both hex digits) and UTF-8, each between plain
 * text. */
#define TEST_LABELS_VALUE "a\"b\\c\nd\x01" "e\x1f" "g\xc3\xa9" "f"

static int collect(const eved_collect_args_t *args, eved_metric_set_t *set, char *error,
                   size_t error_size) {
  (void)args;
  (void)error;
  (void)error_size;
  eved_label_t label = {"value", TEST_LABELS_VALUE};
  if (!eved_metric_family(set, "eved_test_label_info", EVED_METRIC_GAUGE,
                          "A label value with every character escaped.") ||
      !eved_metric_sample(set, 1, 1, &label))
    eved_metric_set_error(set);
  return 0;
}

const eved_collector_t eved_test_labels_collector = {.name = "test_labels", .collect = collect};

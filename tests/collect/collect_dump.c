/* collect_dump: runs the collectors of this OS's registry (or the ones
 * named) and prints what they gathered, one sample a line, in the shape of
 * the Prometheus text format, for tests/collect/collect_test.py to compare
 * with the host's own figures. A test tool, not a renderer: eved's
 * /metrics is written by stats/.
 *
 *   collect_dump [--rounds N] [--interval-ms MS] [COLLECTOR...]
 *
 * Output, per round and collector:
 *   # round R monotonic_ms T            (before the round's first collector)
 *   # collector NAME rc RC dropped D errors E
 *   # error TEXT                        (when RC is -1)
 *   name{label="value",...} VALUE
 * Exit: 0; 2 for a bad argument or an unknown collector name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <windows.h>
#else
#include <time.h>
#endif

#include "collector.h"
#include "metric_set.h"
#include "platform.h"

#define NAMED_MAX 16

/* base/ has a clock but no sleep; a test tool's one wait is not worth
 * adding one there. */
static void sleep_ms(long ms) {
#ifdef _WIN32
  Sleep((DWORD)ms);
#else
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
#endif
}

/* Label values escaped as the text format does (\, " and newline). */
static void print_value(const char *s) {
  for (; *s != '\0'; s++) {
    if (*s == '\\' || *s == '"') printf("\\%c", *s);
    else if (*s == '\n') printf("\\n");
    else putchar(*s);
  }
}

static void print_set(const eved_metric_set_t *set) {
  for (size_t f = 0; f < set->family_count; f++) {
    const eved_metric_family_t *fam = &set->families[f];
    for (size_t i = 0; i < fam->sample_count; i++) {
      const eved_metric_sample_t *s = &set->samples[fam->first_sample + i];
      printf("%s", fam->name);
      if (s->label_count > 0) {
        putchar('{');
        for (size_t l = 0; l < s->label_count; l++) {
          printf("%s%s=\"", l ? "," : "", s->label_names[l]);
          print_value(s->label_values[l]);
          putchar('"');
        }
        putchar('}');
      }
      printf(" %.17g\n", s->value);
    }
  }
}

static int usage(const char *why) {
  fprintf(stderr, "collect_dump: %s\nusage: collect_dump [--rounds N] [--interval-ms MS] [COLLECTOR...]\n",
          why);
  return 2;
}

int main(int argc, char **argv) {
  long rounds = 1, interval_ms = 0;
  const eved_collector_t *named[NAMED_MAX];
  size_t named_count = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
      rounds = strtol(argv[++i], NULL, 10);
      if (rounds < 1 || rounds > 100) return usage("--rounds takes 1 to 100");
    } else if (strcmp(argv[i], "--interval-ms") == 0 && i + 1 < argc) {
      interval_ms = strtol(argv[++i], NULL, 10);
      if (interval_ms < 0 || interval_ms > 60000) return usage("--interval-ms takes 0 to 60000");
    } else {
      const eved_collector_t *c = eved_collector_find(argv[i]);
      if (c == NULL) {
        const char *os = eved_collector_other_os(argv[i]);
        fprintf(stderr, "collect_dump: unknown collector %s%s%s\n", argv[i],
                os ? ": it is a collector on " : "", os ? os : "");
        return 2;
      }
      if (named_count == NAMED_MAX) return usage("too many collectors named");
      named[named_count++] = c;
    }
  }
  const eved_collector_t *const *list = named;
  size_t count = named_count;
  if (count == 0) list = eved_collectors(&count);

  eved_metric_set_t *set = eved_metric_set_create(256, 1 << 16, 4 << 20);
  if (set == NULL) {
    fprintf(stderr, "collect_dump: out of memory\n");
    return 1;
  }
  for (long r = 1; r <= rounds; r++) {
    if (r > 1) sleep_ms(interval_ms);
    printf("# round %ld monotonic_ms %lld\n", r, (long long)eved_monotonic_ms());
    for (size_t i = 0; i < count; i++) {
      char error[256] = "";
      eved_metric_set_clear(set);
      /* The textfile collector reads no directory here: the server
       * tests cover it. */
      eved_collect_args_t args = {.textfile_dir = "no-such-eved-textfile-dir",
                                  .scratch_size = list[i]->scratch_bytes};
      if (args.scratch_size) args.scratch = malloc(args.scratch_size);
      int rc = list[i]->collect(&args, set, error, sizeof error);
      free(args.scratch);
      printf("# collector %s rc %d dropped %llu errors %llu\n", list[i]->name, rc,
             (unsigned long long)set->dropped, (unsigned long long)set->errors);
      if (rc != 0) printf("# error %s\n", error);
      print_set(set);
    }
  }
  eved_metric_set_destroy(set);
  fflush(stdout);
  return 0;
}

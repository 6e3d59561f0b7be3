/* The textfile collector (textfile.h): lists the directory, reads each
 * *.prom file into its scratch (never the stack: a file is up to 1 MiB),
 * parses it, checks its families against eved's own namespaces, the host
 * collectors' and the files before it, and copies it into the set, or
 * rolls the set back and reports why. Then its own report families. */
#include "textfile.h"

#include <stdio.h>
#include <string.h>

#include "textfile_io.h"
#include "textfile_parse.h"

/* Above SERIES_PER_FILE and FAMILIES_PER_FILE, a power of two. */
#define INDEX_CAP 16384

typedef struct file_result {
  double mtime;
  int skipped; /* -1, or an eved_textfile_reason_t */
} file_result_t;

typedef struct scratch {
  char file[EVED_TEXTFILE_FILE_BYTES_MAX];
  char strings[2 * EVED_TEXTFILE_FILE_BYTES_MAX + 64];
  eved_textfile_family_t families[EVED_TEXTFILE_FAMILIES_PER_FILE];
  eved_textfile_sample_t samples[EVED_TEXTFILE_SERIES_PER_FILE];
  eved_label_t labels[EVED_TEXTFILE_LABELS_PER_FILE];
  uint32_t family_index[INDEX_CAP], sample_index[INDEX_CAP];
  char names[EVED_TEXTFILE_FILES_MAX][EVED_TEXTFILE_NAME_MAX];
  file_result_t results[EVED_TEXTFILE_FILES_MAX];
  char sorted[EVED_TEXTFILE_NAME_MAX];
} scratch_t;

static const char *const reason_names[EVED_TEXTFILE_SKIP_COUNT] = {
    "malformed", "duplicate", "clash", "bound", "unreadable"};

/* Every family eved writes itself starts with one of these. */
static const char *const own_namespaces[] = {"eved_", "process_", NULL};

typedef struct run {
  scratch_t *s;
  eved_metric_set_t *set;
  size_t first_family; /* the set's families from files start here */
  char *error;
  size_t error_size, error_len;
} run_t;

/* Appends "name: why" to the run's error (what /stats shows and the loop
 * logs), as much as fits. */
static void note(run_t *r, const char *name, const char *why) {
  if (r->error_len + 1 >= r->error_size) return;
  int n = snprintf(r->error + r->error_len, r->error_size - r->error_len, "%s%s%s%s",
                   r->error_len ? "; " : "", name ? name : "", name ? ": " : "", why);
  if (n > 0) r->error_len += (size_t)n;
  if (r->error_len >= r->error_size) r->error_len = r->error_size - 1;
}

static const char *in_namespace(const char *name, const char *const *namespaces) {
  for (size_t i = 0; namespaces != NULL && namespaces[i] != NULL; i++)
    if (strncmp(name, namespaces[i], strlen(namespaces[i])) == 0) return namespaces[i];
  return NULL;
}

/* Why a family of a file may not be shown: it is under eved's or a host
 * collector's namespace. NULL when it may. */
static const char *owner_of(const char *name, char *why, size_t size) {
  const char *prefix = in_namespace(name, own_namespaces);
  if (prefix != NULL) {
    snprintf(why, size, "family \"%.64s\" clashes with eved's own %s* families", name, prefix);
    return why;
  }
  size_t count;
  const eved_collector_t *const *table = eved_collectors(&count);
  for (size_t i = 0; i < count; i++) {
    prefix = in_namespace(name, table[i]->namespaces);
    if (prefix == NULL) continue;
    snprintf(why, size, "family \"%.64s\" clashes with the %s collector's %s* families", name,
             table[i]->name, prefix);
    return why;
  }
  return NULL;
}

/* The names a family takes in either format: a counter is x in
 * OpenMetrics and its samples x_total, whichever the file wrote. */
static size_t om_base(const char *name, eved_metric_type_t type) {
  size_t len = strlen(name);
  if (type == EVED_METRIC_COUNTER && len > 6 && strcmp(name + len - 6, "_total") == 0) len -= 6;
  return len;
}

static bool names_clash(const char *a, eved_metric_type_t at, const char *b, eved_metric_type_t bt) {
  size_t al = om_base(a, at), bl = om_base(b, bt);
  if (al == bl && memcmp(a, b, al) == 0) return true;
  /* A counter's samples x_total against another family named x_total. */
  if (at == EVED_METRIC_COUNTER && bl == al + 6 && memcmp(a, b, al) == 0 &&
      strcmp(b + al, "_total") == 0)
    return true;
  return bt == EVED_METRIC_COUNTER && al == bl + 6 && memcmp(a, b, bl) == 0 &&
         strcmp(a + bl, "_total") == 0;
}

/* Checks a parsed file's families; the reason to skip it, or -1. */
static int check_families(run_t *r, const eved_textfile_parsed_t *p, char *why, size_t size) {
  const eved_metric_set_t *set = r->set;
  for (size_t i = 0; i < p->family_count; i++) {
    const eved_textfile_family_t *f = &p->families[i];
    if (f->sample_count == 0) continue;
    if (owner_of(f->name, why, size) != NULL) return EVED_TEXTFILE_SKIP_CLASH;
    for (size_t j = r->first_family; j < set->family_count; j++) {
      if (!names_clash(f->name, f->type, set->families[j].name, set->families[j].type)) continue;
      snprintf(why, size, "family \"%.64s\" is also in an earlier file (as \"%.64s\")", f->name,
               set->families[j].name);
      return EVED_TEXTFILE_SKIP_DUPLICATE;
    }
    for (size_t j = 0; j < i; j++) {
      if (p->families[j].sample_count == 0 ||
          !names_clash(f->name, f->type, p->families[j].name, p->families[j].type))
        continue;
      snprintf(why, size, "families \"%.64s\" and \"%.64s\" clash in OpenMetrics", f->name,
               p->families[j].name);
      return EVED_TEXTFILE_SKIP_DUPLICATE;
    }
  }
  return -1;
}

/* Copies a checked file into the set; false (the set as it was) when a
 * total bound would be passed. */
static bool add_file(run_t *r, const eved_textfile_parsed_t *p, const char *file) {
  eved_metric_set_t *set = r->set;
  eved_metric_set_t before = *set;
  /* node_exporter's words for a family the file gives no HELP. */
  char help[EVED_TEXTFILE_NAME_MAX + 32];
  snprintf(help, sizeof help, "Metric read from %s.", file);
  bool ok = true;
  for (size_t i = 0; i < p->family_count && ok; i++) {
    const eved_textfile_family_t *f = &p->families[i];
    if (f->sample_count == 0) continue;
    ok = eved_metric_family_copy(set, f->name, f->type, f->helped ? f->help : help);
    for (size_t k = 0; k < f->sample_count && ok; k++) {
      const eved_textfile_sample_t *s = &p->samples[f->first_sample + k];
      ok = eved_metric_sample_copy(set, s->value, s->label_count, &p->labels[s->first_label]);
    }
  }
  ok = ok && set->family_count - r->first_family <= EVED_TEXTFILE_FAMILIES_TOTAL &&
       set->sample_count <= EVED_TEXTFILE_SERIES_TOTAL &&
       set->label_count <= EVED_TEXTFILE_LABELS_TOTAL &&
       set->string_len <= EVED_TEXTFILE_STRINGS_TOTAL;
  if (!ok) *set = before; /* the arrays beyond the old counts are simply unused */
  return ok;
}

static eved_textfile_reason_t reason_of(eved_textfile_status_t status) {
  switch (status) {
    case EVED_TEXTFILE_DUPLICATE: return EVED_TEXTFILE_SKIP_DUPLICATE;
    case EVED_TEXTFILE_BOUND: return EVED_TEXTFILE_SKIP_BOUND;
    case EVED_TEXTFILE_OK:
    case EVED_TEXTFILE_MALFORMED: break;
  }
  return EVED_TEXTFILE_SKIP_MALFORMED;
}

/* Reads, parses, checks and adds one file; its result. */
static void one_file(run_t *r, const char *dir, size_t index) {
  scratch_t *s = r->s;
  const char *name = s->names[index];
  file_result_t *result = &s->results[index];
  char why[256];
  size_t len = 0;
  int rc = eved_textfile_read(dir, name, s->file, sizeof s->file, &len, &result->mtime, why,
                              sizeof why);
  if (rc != 0) {
    result->skipped = rc > 0 ? EVED_TEXTFILE_SKIP_BOUND : EVED_TEXTFILE_SKIP_UNREADABLE;
    if (rc > 0) snprintf(why, sizeof why, "larger than %d bytes", EVED_TEXTFILE_FILE_BYTES_MAX);
    note(r, name, why);
    return;
  }
  eved_textfile_parsed_t p = {
      .families = s->families, .family_cap = EVED_TEXTFILE_FAMILIES_PER_FILE,
      .samples = s->samples, .sample_cap = EVED_TEXTFILE_SERIES_PER_FILE,
      .labels = s->labels, .label_cap = EVED_TEXTFILE_LABELS_PER_FILE,
      .strings = s->strings, .string_cap = sizeof s->strings,
      .family_index = s->family_index, .sample_index = s->sample_index, .index_cap = INDEX_CAP};
  eved_textfile_error_t perr;
  if (eved_textfile_parse(s->file, len, &p, &perr) != EVED_TEXTFILE_OK) {
    result->skipped = (int)reason_of(perr.status);
    note(r, name, perr.message);
    return;
  }
  result->skipped = check_families(r, &p, why, sizeof why);
  if (result->skipped >= 0) {
    note(r, name, why);
    return;
  }
  if (!add_file(r, &p, name)) {
    result->skipped = EVED_TEXTFILE_SKIP_BOUND;
    note(r, name, "the textfiles together would pass a total bound (series, labels or bytes)");
  }
}

/* Name order, by insertion: qsort may allocate (glibc's does for arrays
 * over a few KiB), and a steady scrape allocates nothing. */
static void sort_names(scratch_t *s, size_t count) {
  for (size_t i = 1; i < count; i++) {
    size_t j = i;
    memcpy(s->sorted, s->names[i], sizeof s->sorted);
    for (; j > 0 && strcmp(s->names[j - 1], s->sorted) > 0; j--)
      memcpy(s->names[j], s->names[j - 1], sizeof s->names[j]);
    memcpy(s->names[j], s->sorted, sizeof s->sorted);
  }
}

/* eved_textfile_mtime_seconds, _scrape_error and _files_skipped. */
static void report(run_t *r, size_t files, size_t over, bool dir_error) {
  eved_metric_set_t *set = r->set;
  scratch_t *s = r->s;
  size_t skipped[EVED_TEXTFILE_SKIP_COUNT] = {0};
  skipped[EVED_TEXTFILE_SKIP_BOUND] = over;
  size_t good = 0;
  for (size_t i = 0; i < files; i++) {
    if (s->results[i].skipped >= 0) {
      skipped[s->results[i].skipped]++;
    } else {
      good++;
    }
  }
  if (good > 0 &&
      eved_metric_family(set, "eved_textfile_mtime_seconds", EVED_METRIC_GAUGE,
                         "Unix time of the last change of each textfile merged into this scrape.")) {
    for (size_t i = 0; i < files; i++) {
      if (s->results[i].skipped >= 0) continue;
      eved_label_t label = {"file", s->names[i]};
      eved_metric_sample(set, s->results[i].mtime, 1, &label);
    }
  }
  size_t total = 0;
  for (size_t k = 0; k < EVED_TEXTFILE_SKIP_COUNT; k++) total += skipped[k];
  if (eved_metric_family(set, "eved_textfile_scrape_error", EVED_METRIC_GAUGE,
                         "1 if a textfile was skipped or the directory could not be read, else 0."))
    eved_metric_sample(set, (total > 0 || dir_error) ? 1 : 0, 0, NULL);
  if (eved_metric_family(set, "eved_textfile_files_skipped", EVED_METRIC_GAUGE,
                         "Textfiles skipped whole in this scrape, by reason.")) {
    for (size_t k = 0; k < EVED_TEXTFILE_SKIP_COUNT; k++) {
      eved_label_t label = {"reason", reason_names[k]};
      eved_metric_sample(set, (double)skipped[k], 1, &label);
    }
  }
  for (size_t k = 0; k < total; k++) eved_metric_set_error(set);
}

static int collect(const eved_collect_args_t *args, eved_metric_set_t *set, char *error,
                   size_t error_size) {
  if (args->scratch == NULL || args->scratch_size < sizeof(scratch_t)) {
    snprintf(error, error_size, "no scratch memory");
    return -1;
  }
  run_t r = {.s = args->scratch, .set = set, .first_family = set->family_count,
             .error = error, .error_size = error_size};
  error[0] = '\0';
  eved_textfile_names_t names = {.names = r.s->names, .cap = EVED_TEXTFILE_FILES_MAX};
  char why[256];
  int listed = eved_textfile_list(args->textfile_dir, &names, why, sizeof why);
  if (listed < 0) note(&r, NULL, why);
  if (listed != 0) names.count = names.skipped = 0;
  if (names.skipped > 0) {
    snprintf(why, sizeof why,
             "%llu *.prom files not read: over %d files, or a name too long or not UTF-8",
             (unsigned long long)names.skipped, EVED_TEXTFILE_FILES_MAX);
    note(&r, NULL, why);
  }
  sort_names(r.s, names.count);
  for (size_t i = 0; i < names.count; i++) {
    r.s->results[i].skipped = -1;
    one_file(&r, args->textfile_dir, i);
  }
  report(&r, names.count, names.skipped, listed < 0);
  return 0;
}

static const char *const namespaces[] = {"eved_textfile_", NULL};

/* The set holds the files' totals and the report: a mtime per file,
 * one skip count per reason, the error flag. */
const eved_collector_t eved_textfile_collector = {
    .name = "textfile",
    .collect = collect,
    .families = EVED_TEXTFILE_FAMILIES_TOTAL + 3,
    .samples = EVED_TEXTFILE_SERIES_TOTAL + EVED_TEXTFILE_FILES_MAX + EVED_TEXTFILE_SKIP_COUNT + 1,
    .labels = EVED_TEXTFILE_LABELS_TOTAL + EVED_TEXTFILE_FILES_MAX + EVED_TEXTFILE_SKIP_COUNT,
    .string_bytes = EVED_TEXTFILE_STRINGS_TOTAL +
                    EVED_TEXTFILE_FILES_MAX * EVED_TEXTFILE_NAME_MAX + 1024,
    .scratch_bytes = sizeof(scratch_t),
    .namespaces = namespaces};

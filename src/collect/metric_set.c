/* The bounded metric set: four arrays sized once, refilled in place. */
#include "metric_set.h"

#include <stdlib.h>
#include <string.h>

eved_metric_set_t *eved_metric_set_create_labels(size_t families, size_t samples, size_t labels,
                                                 size_t string_bytes) {
  if (labels == 0) labels = samples * EVED_METRIC_LABELS_PER_SAMPLE;
  eved_metric_set_t *set = calloc(1, sizeof *set);
  if (set == NULL) return NULL;
  set->families = calloc(families ? families : 1, sizeof *set->families);
  set->samples = calloc(samples ? samples : 1, sizeof *set->samples);
  set->label_names = calloc(labels ? labels : 1, sizeof *set->label_names);
  set->label_values = calloc(labels ? labels : 1, sizeof *set->label_values);
  set->strings = malloc(string_bytes ? string_bytes : 1);
  if (set->families == NULL || set->samples == NULL || set->label_names == NULL ||
      set->label_values == NULL || set->strings == NULL) {
    eved_metric_set_destroy(set);
    return NULL;
  }
  set->family_cap = families;
  set->sample_cap = samples;
  set->label_cap = labels;
  set->string_cap = string_bytes;
  return set;
}

eved_metric_set_t *eved_metric_set_create(size_t families, size_t samples, size_t string_bytes) {
  return eved_metric_set_create_labels(families, samples, 0, string_bytes);
}

void eved_metric_set_destroy(eved_metric_set_t *set) {
  if (set == NULL) return;
  free(set->families);
  free(set->samples);
  free(set->label_names);
  free(set->label_values);
  free(set->strings);
  free(set);
}

void eved_metric_set_clear(eved_metric_set_t *set) {
  set->family_count = 0;
  set->sample_count = 0;
  set->label_count = 0;
  set->string_len = 0;
  set->dropped = 0;
  set->errors = 0;
  set->refusing = false;
}

static bool name_char(char c, bool first) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') return true;
  return !first && c >= '0' && c <= '9';
}

/* https://prometheus.io/docs/concepts/data_model/#metric-names-and-labels */
static bool valid_name(const char *name, bool metric) {
  if (name == NULL || name[0] == '\0') return false;
  if (!metric && name[0] == '_' && name[1] == '_') return false; /* reserved */
  for (size_t i = 0; name[i] != '\0'; i++)
    if (!name_char(name[i], i == 0) && !(metric && name[i] == ':')) return false;
  return true;
}

/* The family samples go to, or NULL before any or after a refused one. */
static eved_metric_family_t *current(eved_metric_set_t *set) {
  if (set->refusing || set->family_count == 0) return NULL;
  return &set->families[set->family_count - 1];
}

/* Copies value into the strings; NULL when it does not fit. */
static const char *keep(eved_metric_set_t *set, const char *value) {
  size_t len = strlen(value) + 1;
  if (len > set->string_cap - set->string_len) return NULL;
  char *copy = set->strings + set->string_len;
  memcpy(copy, value, len);
  set->string_len += len;
  return copy;
}

static bool add_family(eved_metric_set_t *set, const char *name, eved_metric_type_t type,
                       const char *help, bool copy) {
  size_t mark = set->string_len;
  set->refusing = set->family_count == set->family_cap || !valid_name(name, true) || help == NULL;
  if (!set->refusing && copy) {
    name = keep(set, name);
    help = name != NULL ? keep(set, help) : NULL;
    set->refusing = help == NULL;
  }
  if (set->refusing) {
    set->string_len = mark;
    set->dropped++;
    return false;
  }
  set->families[set->family_count++] = (eved_metric_family_t){
      .name = name, .help = help, .type = type, .first_sample = set->sample_count};
  return true;
}

bool eved_metric_family(eved_metric_set_t *set, const char *name, eved_metric_type_t type,
                        const char *help) {
  return add_family(set, name, type, help, false);
}

bool eved_metric_family_copy(eved_metric_set_t *set, const char *name, eved_metric_type_t type,
                             const char *help) {
  return add_family(set, name, type, help, true);
}

static bool add_sample(eved_metric_set_t *set, double value, size_t label_count,
                       const eved_label_t *labels, bool copy) {
  eved_metric_family_t *f = current(set);
  if (f == NULL || set->sample_count == set->sample_cap || label_count > EVED_METRIC_LABELS_MAX ||
      label_count > set->label_cap - set->label_count) {
    set->dropped++;
    return false;
  }
  eved_metric_sample_t *s = &set->samples[set->sample_count];
  const char **names = set->label_names + set->label_count;
  const char **values = set->label_values + set->label_count;
  size_t mark = set->string_len;
  for (size_t i = 0; i < label_count; i++) {
    const char *n = labels[i].name;
    if (copy && valid_name(n, false)) n = keep(set, n);
    const char *v = labels[i].value != NULL && n != NULL ? keep(set, labels[i].value) : NULL;
    if (!valid_name(n, false) || v == NULL) {
      set->string_len = mark; /* nothing of a refused sample is kept */
      set->dropped++;
      return false;
    }
    names[i] = n;
    values[i] = v;
  }
  *s = (eved_metric_sample_t){
      .value = value, .label_count = label_count, .label_names = names, .label_values = values};
  set->label_count += label_count;
  set->sample_count++;
  f->sample_count++;
  return true;
}

bool eved_metric_sample(eved_metric_set_t *set, double value, size_t label_count,
                        const eved_label_t *labels) {
  return add_sample(set, value, label_count, labels, false);
}

bool eved_metric_sample_copy(eved_metric_set_t *set, double value, size_t label_count,
                             const eved_label_t *labels) {
  return add_sample(set, value, label_count, labels, true);
}

void eved_metric_set_error(eved_metric_set_t *set) { set->errors++; }

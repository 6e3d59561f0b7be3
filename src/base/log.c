/* The log writes whole lines with one fwrite each, so lines from a crash
 * handler or a second writer never interleave mid-line. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "platform.h"
#include "timefmt.h"

/* A longer message is cut, never split across lines. */
#define LOG_LINE_MAX 1024

static eved_log_level_t threshold = EVED_LOG_INFO;
static FILE *sink; /* NULL: standard error */
static eved_log_hook_t hook;
static eved_log_level_t hook_min = EVED_LOG_WARN;

static const char *const names[] = {"debug", "info", "warn", "error"};

int eved_log_level_parse(const char *name) {
  for (int i = 0; i < 4; i++)
    if (strcmp(name, names[i]) == 0) return i;
  return -1;
}

const char *eved_log_level_name(eved_log_level_t level) {
  return (unsigned)level < 4 ? names[level] : "?";
}

int eved_log_open(eved_log_level_t level, const char *file) {
  threshold = level;
  if (file == NULL || file[0] == '\0') return 0;
  FILE *f = fopen(file, "a");
  if (f == NULL) return -1;
  eved_log_close();
  sink = f;
  return 0;
}

void eved_log_close(void) {
  if (sink != NULL) fclose(sink);
  sink = NULL;
}

int eved_log_enabled(eved_log_level_t level) { return level >= threshold; }

void eved_log_set_level(eved_log_level_t level) { threshold = level; }

eved_log_level_t eved_log_level(void) { return threshold; }

void eved_log_set_hook(eved_log_hook_t h, eved_log_level_t min) {
  hook = h;
  hook_min = min;
}

void eved_log(eved_log_level_t level, const char *format, ...) {
  if (level < threshold) return;
  char line[LOG_LINE_MAX];
  char when[EVED_ISO_TIME_SIZE];
  eved_format_iso_time(eved_wall_ms(), when);
  int n = snprintf(line, sizeof line, "%s %-5s ", when, eved_log_level_name(level));
  va_list ap;
  va_start(ap, format);
  int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, format, ap);
  va_end(ap);
  size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
  if (len > sizeof line - 2) len = sizeof line - 2;
  line[len++] = '\n';
  FILE *out = sink ? sink : stderr;
  fwrite(line, 1, len, out);
  fflush(out);
  if (hook != NULL && level >= hook_min) {
    line[len - 1] = '\0';
    hook(level, line + n);
  }
}

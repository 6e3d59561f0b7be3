/* The line reader of procfs_linux.h. */
#include "procfs_linux.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

int eved_lines_open(eved_lines_t *r, const char *path) {
  r->start = r->end = 0;
  r->eof = false;
  r->truncated = false;
  r->cut_lines = 0;
  r->fd = open(path, O_RDONLY | O_CLOEXEC);
  return r->fd < 0 ? -1 : 0;
}

void eved_lines_close(eved_lines_t *r) {
  if (r->fd >= 0) close(r->fd);
  r->fd = -1;
}

/* Reads more after what is buffered; false at the end or on an error. */
static bool fill(eved_lines_t *r) {
  if (r->eof) return false;
  if (r->start > 0) {
    memmove(r->buf, r->buf + r->start, r->end - r->start);
    r->end -= r->start;
    r->start = 0;
  }
  for (;;) {
    ssize_t n = read(r->fd, r->buf + r->end, sizeof r->buf - 1 - r->end);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      r->eof = true;
      return false;
    }
    r->end += (size_t)n;
    return true;
  }
}

/* A line with no newline in EVED_LINE_MAX - 1 bytes: its first part goes
 * to the buffer's first half (what the caller gets), the rest of the line
 * is read through the second half and dropped, and what follows it stays
 * there for the next call. */
static void cut(eved_lines_t *r, const char *line) {
  const size_t keep = EVED_LINE_MAX - 1;
  memmove(r->buf, line, keep);
  r->buf[keep] = '\0';
  r->truncated = true;
  r->cut_lines++;
  r->start = r->end = EVED_LINE_MAX;
  for (;;) {
    ssize_t n = read(r->fd, r->buf + r->end, sizeof r->buf - 1 - r->end);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      r->eof = true;
      r->start = r->end;
      return;
    }
    r->end += (size_t)n;
    char *nl = memchr(r->buf + r->start, '\n', r->end - r->start);
    if (nl != NULL) {
      r->start = (size_t)(nl - r->buf) + 1;
      return;
    }
    r->start = r->end = EVED_LINE_MAX;
  }
}

char *eved_lines_next(eved_lines_t *r) {
  r->truncated = false;
  for (;;) {
    char *line = r->buf + r->start;
    char *nl = memchr(line, '\n', r->end - r->start);
    if (nl != NULL) {
      *nl = '\0';
      r->start = (size_t)(nl - r->buf) + 1;
      return line;
    }
    if (r->end - r->start >= EVED_LINE_MAX - 1) {
      cut(r, line);
      return r->buf;
    }
    if (!fill(r)) {
      if (r->end > r->start) { /* a last line without a newline */
        r->buf[r->end] = '\0';
        r->start = r->end;
        return line;
      }
      return NULL;
    }
  }
}

size_t eved_fields(char *s, char **fields, size_t max) {
  size_t n = 0;
  while (*s != '\0' && n < max) {
    while (*s == ' ' || *s == '\t') s++;
    if (*s == '\0') break;
    fields[n++] = s;
    while (*s != '\0' && *s != ' ' && *s != '\t') s++;
    if (*s != '\0') *s++ = '\0';
  }
  return n;
}

bool eved_parse_u64(const char *s, uint64_t *out) {
  uint64_t v = 0;
  if (*s == '\0') return false;
  for (; *s != '\0'; s++) {
    if (*s < '0' || *s > '9') return false;
    unsigned d = (unsigned)(*s - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

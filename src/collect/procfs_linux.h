/* Bounded reads of /proc files for the Linux collectors: open/read into a
 * buffer on the caller's stack, no stdio and no getline, so a collection
 * allocates nothing and no file can make it grow. */
#ifndef EVED_PROCFS_LINUX_H_
#define EVED_PROCFS_LINUX_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A line longer than this is cut: the reader hands its first
 * EVED_LINE_MAX - 1 bytes (truncated set) and skips the rest. /proc/stat's
 * "intr" line is the only one known to exceed it, and only its first
 * number is read. */
#define EVED_LINE_MAX 4096

typedef struct eved_lines {
  int fd;
  char buf[EVED_LINE_MAX * 2];
  size_t start, end;
  bool eof;
  bool truncated;      /* the last line returned was cut */
  uint64_t cut_lines;  /* lines cut so far */
} eved_lines_t;

/* 0, or -1 (errno set) when the file cannot be opened. */
int eved_lines_open(eved_lines_t *r, const char *path);
/* The next line, NUL-terminated without its newline; NULL at the end or
 * on a read error. The text stays valid until the next call. */
char *eved_lines_next(eved_lines_t *r);
void eved_lines_close(eved_lines_t *r);

/* Splits s at runs of spaces and tabs in place: at most max fields; the
 * count. */
size_t eved_fields(char *s, char **fields, size_t max);

/* Unsigned decimal; false unless the whole text is digits that fit. */
bool eved_parse_u64(const char *s, uint64_t *out);

#endif /* EVED_PROCFS_LINUX_H_ */

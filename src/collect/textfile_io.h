/* The textfile collector's file access, one file per OS
 * (textfile_io_linux.c, textfile_io_win.c): list a directory's *.prom
 * files and read one whole. Paths and names are UTF-8.
 *
 * Thread rules: none beyond the arguments; called on the collector's
 * thread. */
#ifndef EVED_TEXTFILE_IO_H_
#define EVED_TEXTFILE_IO_H_

#include <stddef.h>

/* A name longer than this (bytes, its NUL included) is not listed but
 * counted in `skipped`. */
#define EVED_TEXTFILE_NAME_MAX 256

typedef struct eved_textfile_names {
  char (*names)[EVED_TEXTFILE_NAME_MAX];
  size_t count, cap;
  /* *.prom entries not listed: over cap, a name too long, or a name that
   * is not UTF-8. */
  size_t skipped;
} eved_textfile_names_t;

/* Lists the entries of dir whose name ends in ".prom" (not recursive;
 * sub-directories are listed too, and fail when read). Returns 0, 1 when
 * dir does not exist (no files: a fresh install has none), or -1 with a
 * reason in error (not a directory, access denied). */
int eved_textfile_list(const char *dir, eved_textfile_names_t *names, char *error, size_t size);

/* Reads dir/name into buf. Returns 0 with *len bytes read and the file's
 * last write as Unix seconds in *mtime; 1 when it holds more than cap
 * bytes; -1 with a reason (gone since the listing, not a regular file,
 * a read error). */
int eved_textfile_read(const char *dir, const char *name, char *buf, size_t cap, size_t *len,
                       double *mtime, char *error, size_t size);

#endif /* EVED_TEXTFILE_IO_H_ */

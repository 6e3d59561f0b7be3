/* textfile_io.h with Linux calls: getdents64 on the directory rather
 * than opendir, which allocates (a steady scrape allocates nothing), and
 * open/fstat/read with O_NONBLOCK so a FIFO named x.prom cannot block the
 * thread. */
#define _GNU_SOURCE /* getdents64 */
#include "textfile_io.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "textfile_parse.h"

static int ends_with_prom(const char *name, size_t len) {
  return len > 5 && memcmp(name + len - 5, ".prom", 5) == 0;
}

int eved_textfile_list(const char *dir, eved_textfile_names_t *names, char *error, size_t size) {
  names->count = 0;
  names->skipped = 0;
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return 1;
    snprintf(error, size, "textfile directory %.200s: %s", dir,
             errno == ENOTDIR ? "not a directory" : strerror(errno));
    return -1;
  }
  char buf[4096];
  ssize_t n;
  while ((n = getdents64(fd, buf, sizeof buf)) > 0) {
    for (ssize_t at = 0; at < n;) {
      const struct dirent64 *e = (const struct dirent64 *)(const void *)(buf + at);
      at += e->d_reclen;
      size_t len = strlen(e->d_name);
      if (!ends_with_prom(e->d_name, len)) continue;
      if (len >= EVED_TEXTFILE_NAME_MAX || names->count == names->cap ||
          eved_textfile_utf8_ok(e->d_name, len) == 0) {
        names->skipped++;
        continue;
      }
      memcpy(names->names[names->count++], e->d_name, len + 1);
    }
  }
  int err = errno;
  close(fd);
  if (n < 0) {
    snprintf(error, size, "textfile directory %.200s: %s", dir, strerror(err));
    return -1;
  }
  return 0;
}

int eved_textfile_read(const char *dir, const char *name, char *buf, size_t cap, size_t *len,
                       double *mtime, char *error, size_t size) {
  char path[1024];
  if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) {
    snprintf(error, size, "path too long");
    return -1;
  }
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    snprintf(error, size, "cannot open: %s", strerror(errno));
    return -1;
  }
  struct stat st;
  int rc = 0;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    snprintf(error, size, "not a regular file");
    rc = -1;
  } else if ((unsigned long long)st.st_size > cap) {
    rc = 1;
  } else {
    *mtime = (double)st.st_mtim.tv_sec + (double)st.st_mtim.tv_nsec / 1e9;
    size_t got = 0;
    while (rc == 0) {
      /* Up to cap, then one byte more to tell a file that grew since fstat. */
      char extra;
      ssize_t n = got < cap ? read(fd, buf + got, cap - got) : read(fd, &extra, 1);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        snprintf(error, size, "read error: %s", strerror(errno));
        rc = -1;
      } else if (n == 0) {
        break;
      } else if (got == cap) {
        rc = 1;
      } else {
        got += (size_t)n;
      }
    }
    *len = got;
  }
  close(fd);
  return rc;
}

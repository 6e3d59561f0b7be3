#include "first_run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include <eve/eve_error.h>

static int exists(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return 0;
  fclose(f);
  return 1;
}

/* Reads all of path into a new buffer, refusing anything larger than a
 * config may be. */
static int slurp(const char *path, char **data, size_t *size, char *error, size_t error_size) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(error, error_size, "cannot open the default config \"%s\": %s", path, strerror(errno));
    return EVE_EIO;
  }
  char *buf = malloc(EVED_CONFIG_MAX_BYTES + 1);
  if (!buf) {
    fclose(f);
    snprintf(error, error_size, "out of memory reading \"%s\"", path);
    return EVE_ENOMEM;
  }
  size_t n = fread(buf, 1, EVED_CONFIG_MAX_BYTES + 1, f);
  int bad = ferror(f);
  fclose(f);
  if (bad || n > EVED_CONFIG_MAX_BYTES) {
    free(buf);
    snprintf(error, error_size, "the default config \"%s\" %s", path,
             bad ? "cannot be read" : "is larger than 1 MiB");
    return bad ? EVE_EIO : EVE_EINVAL;
  }
  *data = buf;
  *size = n;
  return EVE_OK;
}

/* Writes under a temporary name and renames, so a crash or a full disk
 * never leaves a half-written config that would then count as "exists". */
static int write_new(const char *path, const char *data, size_t size, char *error,
                     size_t error_size) {
  char tmp[EVED_PATH_MAX + 8];
  if ((size_t)snprintf(tmp, sizeof tmp, "%s.new", path) >= sizeof tmp) {
    snprintf(error, error_size, "config path too long: \"%s\"", path);
    return EVE_EINVAL;
  }
  FILE *f = fopen(tmp, "wb");
  if (!f) {
    snprintf(error, error_size, "cannot create \"%s\": %s", tmp, strerror(errno));
    return EVE_EIO;
  }
  int ok = fwrite(data, 1, size, f) == size;
  ok = (fclose(f) == 0) && ok;
  /* rename() does not replace an existing file on Windows; if another
   * process made the config meanwhile, theirs stands. */
  if (!ok || (rename(tmp, path) != 0 && !exists(path))) {
    snprintf(error, error_size, "cannot write \"%s\": %s", path, strerror(errno));
    remove(tmp);
    return EVE_EIO;
  }
  remove(tmp);
  return EVE_OK;
}

int eved_first_run_config(const char *config_path, const char *default_path, const char *listen,
                          int *copied, char *error, size_t error_size) {
  *copied = 0;
  if (exists(config_path)) return EVE_OK;
  char *data = NULL;
  size_t size = 0;
  int rc = slurp(default_path, &data, &size, error, error_size);
  if (rc != EVE_OK) return rc;
  if (listen != NULL) {
    char *edited = NULL, why[EVED_ERROR_MAX];
    rc = eved_config_text_set_listen(data, size, listen, &edited, &size, why, sizeof why);
    free(data);
    if (rc != EVE_OK) {
      snprintf(error, error_size, "the default config \"%s\" with --default-listen: %s", default_path,
               rc == EVE_ENOMEM ? "out of memory" : why);
      return rc;
    }
    data = edited;
  }
  rc = write_new(config_path, data, size, error, error_size);
  free(data);
  if (rc == EVE_OK) *copied = 1;
  return rc;
}

/* libFuzzer target: the config loader, eved_config_load, on any bytes: the
 * input is written to a file and loaded as `eved check-config` and `eved
 * run --config` would, NUL bytes and size bound included. A load either
 * succeeds with every bound in its range or fails with a message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

#define CHECK(cond)                                                           \
  do {                                                                        \
    if (!(cond)) {                                                            \
      fprintf(stderr, "fuzz_config: check failed: %s (line %d)\n", #cond, __LINE__); \
      abort();                                                                \
    }                                                                         \
  } while (0)

static char path[64];

static void remove_file(void) { unlink(path); }

static void make_file(void) {
  snprintf(path, sizeof path, "/tmp/eve-fuzz-config-%ld.json", (long)getpid());
  atexit(remove_file);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (path[0] == '\0') make_file();
  FILE *f = fopen(path, "wb");
  CHECK(f != NULL);
  CHECK(fwrite(data, 1, size, f) == size);
  CHECK(fclose(f) == 0);

  eved_config_t config;
  char error[EVED_ERROR_MAX];
  error[0] = '\0';
  eved_config_defaults(&config);
  int rc = eved_config_load(path, &config, error, sizeof error);
  if (rc != EVE_OK) {
    CHECK(rc == EVE_EINVAL);
    CHECK(error[0] != '\0' && memchr(error, '\0', sizeof error) != NULL);
    return 0;
  }
  CHECK(config.listen_count >= 1 && config.listen_count <= EVED_MAX_LISTEN);
  CHECK(config.max_connections >= 1);
  CHECK(config.max_header_bytes >= 256 && config.max_output_bytes >= 4096);
  CHECK(memchr(config.log_file, '\0', sizeof config.log_file) != NULL);
  CHECK(memchr(config.admin_pipe, '\0', sizeof config.admin_pipe) != NULL);
  /* Basic auth: every user kept is a name without a colon and a hash eved
   * verifies. */
  CHECK(config.auth_user_count <= EVED_AUTH_USERS_MAX);
  for (size_t i = 0; i < config.auth_user_count; i++) {
    const eved_auth_user_t *u = &config.auth_users[i];
    CHECK(memchr(u->name, '\0', sizeof u->name) != NULL && u->name[0] != '\0');
    CHECK(strchr(u->name, ':') == NULL);
    CHECK(eved_config_bcrypt_hash_valid(u->hash));
  }
  return 0;
}

/* The config's basic auth keys: the user table (exporter-toolkit's
 * basic_auth_users, name to bcrypt hash) and the auth object. A hash eved
 * would never verify is refused here, naming its user, so check-config
 * finds it rather than the first login. */
#include <stdio.h>
#include <string.h>

#include "config_auth.h"

static bool bcrypt_char(char c) {
  return c == '.' || c == '/' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9');
}

bool eved_config_bcrypt_hash_valid(const char *h) {
  if (strlen(h) != EVED_AUTH_HASH_LEN) return false;
  /* $2a$, $2b$, $2y$: the variants libxcrypt verifies alike ($2x$ is the
   * old sign-extension bug's, kept only for hashes made with it). */
  if (h[0] != '$' || h[1] != '2' || (h[2] != 'a' && h[2] != 'b' && h[2] != 'y') || h[3] != '$')
    return false;
  if (h[4] < '0' || h[4] > '9' || h[5] < '0' || h[5] > '9' || h[6] != '$') return false;
  int cost = (h[4] - '0') * 10 + (h[5] - '0');
  if (cost < 4 || cost > 31) return false;
  for (size_t i = 7; i < EVED_AUTH_HASH_LEN; i++)
    if (!bcrypt_char(h[i])) return false;
  return true;
}

/* RFC 7617 2: a user-id holds no colon and no control character
 * (RFC 5234's CTL); anything else, UTF-8 included, is kept as bytes. */
static bool name_valid(const char *name) {
  if (name[0] == '\0') return false;
  for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++)
    if (*p == ':' || *p < 0x20 || *p == 0x7f) return false;
  return true;
}

int eved__config_parse_users(const cJSON *obj, eved_config_t *c, char *error, size_t size) {
  if (!cJSON_IsObject(obj))
    return eved__config_fail(error, size, "basic_auth_users: must be an object of \"name\": \"bcrypt hash\"");
  size_t n = 0;
  for (const cJSON *it = obj->child; it != NULL; it = it->next) {
    if (n == EVED_AUTH_USERS_MAX)
      return eved__config_fail(error, size, "basic_auth_users: at most %d users", EVED_AUTH_USERS_MAX);
    const char *name = it->string;
    if (strlen(name) >= EVED_AUTH_NAME_MAX)
      return eved__config_fail(error, size, "basic_auth_users: a user name longer than %d bytes (\"%.32s...\")",
                  EVED_AUTH_NAME_MAX - 1, name);
    if (!name_valid(name))
      return eved__config_fail(error, size,
                  "basic_auth_users: \"%.63s\" is not a user name (empty, a colon or a control "
                  "character)",
                  name);
    for (size_t j = 0; j < n; j++)
      if (strcmp(c->auth_users[j].name, name) == 0)
        return eved__config_fail(error, size, "basic_auth_users: user \"%.63s\" is listed twice", name);
    if (!cJSON_IsString(it) || !eved_config_bcrypt_hash_valid(it->valuestring))
      return eved__config_fail(error, size,
                  "basic_auth_users.%.63s: not a bcrypt hash ($2a$, $2b$ or $2y$, cost 04 to 31, "
                  "60 characters; htpasswd -nBC 10 %.63s makes one)",
                  name, name);
    memcpy(c->auth_users[n].name, name, strlen(name) + 1);
    memcpy(c->auth_users[n].hash, it->valuestring, EVED_AUTH_HASH_LEN + 1);
    n++;
  }
  c->auth_user_count = n;
  return EVE_OK;
}

int eved__config_parse_auth(const cJSON *obj, eved_config_t *c, char *error, size_t size) {
  if (!cJSON_IsObject(obj)) return eved__config_fail(error, size, "auth: must be an object");
  for (const cJSON *it = obj->child; it != NULL; it = it->next) {
    if (strcmp(it->string, "protect_healthz") != 0)
      return eved__config_fail(error, size, "auth.%.64s: unknown key", it->string);
    if (!cJSON_IsBool(it)) return eved__config_fail(error, size, "auth.protect_healthz: must be true or false");
    c->auth_protect_healthz = cJSON_IsTrue(it);
  }
  return EVE_OK;
}

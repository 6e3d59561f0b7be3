/* The config file: a JSON object whose every key is known. A mistake is
 * reported with the key's name, so `eved check-config` says what to fix. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "config.h"
#include "config_auth.h"
#include "config_tls.h"
#include "platform.h"

void eved_config_defaults(eved_config_t *c) {
  memset(c, 0, sizeof *c);
  eve_net_address_parse(EVED_LISTEN_DEFAULT, &c->listen[0]);
  c->listen_count = 1;
  c->max_connections = 1024;
  c->header_timeout_ms = 10000;
  c->idle_timeout_ms = 60000;
  c->write_timeout_ms = 10000;
  c->max_requests_per_connection = 1000;
  c->max_header_bytes = 8192;
  c->max_output_bytes = 256 * 1024;
  c->drain_timeout_ms = 5000;
  c->log_level = EVED_LOG_INFO;
  c->poller_mode = EVE_MODE_DEFAULT;
  c->poller_capacity = 0;
  snprintf(c->admin_pipe, sizeof c->admin_pipe, "%s", EVED_ADMIN_PIPE_DEFAULT);
  snprintf(c->admin_sddl, sizeof c->admin_sddl, "%s", EVED_ADMIN_SDDL_DEFAULT);
  snprintf(c->admin_socket, sizeof c->admin_socket, "%s", EVED_ADMIN_SOCKET_DEFAULT);
  c->admin_max_clients = 4;
  c->admin_idle_timeout_ms = 60000;
  c->collectors_all = true;
  c->collectors_min_interval_ms = 1000;
  c->collectors_timeout_ms = 5000;
  snprintf(c->textfile_dir, sizeof c->textfile_dir, "%s", eved_platform_textfile_dir());
  snprintf(c->tls_cert_store, sizeof c->tls_cert_store, "%s", EVED_TLS_STORE_DEFAULT);
}

int eved__config_fail(char *error, size_t size, const char *format, ...) {
  va_list ap;
  va_start(ap, format);
  vsnprintf(error, size, format, ap);
  va_end(ap);
  return EVE_EINVAL;
}

/* One integer bound: its key, where it goes, and its allowed range. */
typedef struct bound {
  const char *key;
  size_t offset;
  uint32_t min, max;
} bound_t;

#define BOUND(field, lo, hi) {#field, offsetof(eved_config_t, field), lo, hi}
static const bound_t bounds[] = {
    BOUND(max_connections, 1, 100000),
    BOUND(header_timeout_ms, 10, 3600000),
    BOUND(idle_timeout_ms, 10, 86400000),
    BOUND(write_timeout_ms, 10, 3600000),
    BOUND(max_requests_per_connection, 1, 100000000),
    BOUND(max_header_bytes, 256, 1048576),
    BOUND(max_output_bytes, 4096, 67108864),
    BOUND(drain_timeout_ms, 0, 3600000),
};

static int read_uint(const cJSON *item, const char *key, uint32_t min, uint32_t max, uint32_t *out,
                     char *error, size_t size) {
  if (!cJSON_IsNumber(item))
    return eved__config_fail(error, size, "%s: must be an integer between %u and %u", key, min, max);
  double v = item->valuedouble;
  /* Range first: converting a double outside the integer's range (1e300)
   * is undefined behaviour; !(a && b) also refuses a NaN. */
  if (!(v >= min && v <= max) || v != (double)(uint32_t)v)
    return eved__config_fail(error, size, "%s: must be an integer between %u and %u, not %g", key, min, max,
                v);
  *out = (uint32_t)v;
  return EVE_OK;
}

static int read_string(const cJSON *item, const char *key, char *out, size_t out_size,
                       char *error, size_t size) {
  if (!cJSON_IsString(item)) return eved__config_fail(error, size, "%s: must be a string", key);
  size_t len = strlen(item->valuestring);
  if (len >= out_size)
    return eved__config_fail(error, size, "%s: longer than %llu characters", key,
                (unsigned long long)(out_size - 1));
  memcpy(out, item->valuestring, len + 1);
  return EVE_OK;
}

static int parse_listen(const cJSON *item, eved_config_t *c, char *error, size_t size) {
  if (!cJSON_IsArray(item)) return eved__config_fail(error, size, "listen: must be an array of \"host:port\"");
  int n = cJSON_GetArraySize(item);
  if (n < 1 || n > EVED_MAX_LISTEN)
    return eved__config_fail(error, size, "listen: must hold 1 to %d addresses", EVED_MAX_LISTEN);
  for (int i = 0; i < n; i++) {
    const cJSON *a = cJSON_GetArrayItem(item, i);
    if (!cJSON_IsString(a)) return eved__config_fail(error, size, "listen[%d]: must be a string", i);
    if (eve_net_address_parse(a->valuestring, &c->listen[i]) != EVE_OK)
      return eved__config_fail(error, size,
                  "listen[%d]: bad address \"%.64s\" (want IPv4:port, [IPv6]:port or "
                  "localhost:port)",
                  i, a->valuestring);
  }
  c->listen_count = (size_t)n;
  return EVE_OK;
}

static int parse_log(const cJSON *obj, eved_config_t *c, char *error, size_t size) {
  if (!cJSON_IsObject(obj)) return eved__config_fail(error, size, "log: must be an object");
  for (const cJSON *it = obj->child; it != NULL; it = it->next) {
    if (strcmp(it->string, "level") == 0) {
      int level = cJSON_IsString(it) ? eved_log_level_parse(it->valuestring) : -1;
      if (level < 0) return eved__config_fail(error, size, "log.level: must be \"debug\", \"info\", \"warn\" or \"error\"");
      c->log_level = (eved_log_level_t)level;
    } else if (strcmp(it->string, "file") == 0) {
      if (cJSON_IsNull(it)) {
        c->log_file[0] = '\0';
      } else if (read_string(it, "log.file", c->log_file, sizeof c->log_file, error, size) != EVE_OK) {
        return EVE_EINVAL;
      }
    } else {
      return eved__config_fail(error, size, "log.%.64s: unknown key", it->string);
    }
  }
  return EVE_OK;
}

static int parse_poller(const cJSON *obj, eved_config_t *c, char *error, size_t size) {
  if (!cJSON_IsObject(obj)) return eved__config_fail(error, size, "poller: must be an object");
  for (const cJSON *it = obj->child; it != NULL; it = it->next) {
    if (strcmp(it->string, "mode") == 0) {
      if (!cJSON_IsString(it) || eve_poller_mode_parse(it->valuestring, &c->poller_mode) != EVE_OK)
        return eved__config_fail(error, size,
                    "poller.mode: must be \"default\", \"epoll\", \"wsapoll\" or \"overlapped\"");
    } else if (strcmp(it->string, "capacity") == 0) {
      if (read_uint(it, "poller.capacity", 0, 1048576, &c->poller_capacity, error, size) != EVE_OK)
        return EVE_EINVAL;
    } else {
      return eved__config_fail(error, size, "poller.%.64s: unknown key", it->string);
    }
  }
  return EVE_OK;
}

/* "NAME" means \\.\pipe\NAME; any other path is refused, since a name
 * Windows would take for a file would defeat every guard on the pipe. */
static int normalize_pipe(eved_config_t *c, char *error, size_t size) {
  static const char prefix[] = "\\\\.\\pipe\\";
  size_t plen = sizeof prefix - 1;
  if (strncmp(c->admin_pipe, prefix, plen) == 0) {
    if (c->admin_pipe[plen] != '\0' && strchr(c->admin_pipe + plen, '\\') == NULL) return EVE_OK;
  } else if (strchr(c->admin_pipe, '\\') == NULL && strchr(c->admin_pipe, '/') == NULL) {
    if (strlen(c->admin_pipe) + plen >= sizeof c->admin_pipe)
      return eved__config_fail(error, size, "admin.pipe: too long");
    memmove(c->admin_pipe + plen, c->admin_pipe, strlen(c->admin_pipe) + 1);
    memcpy(c->admin_pipe, prefix, plen);
    return EVE_OK;
  }
  return eved__config_fail(error, size, "admin.pipe: must be NAME or \\\\.\\pipe\\NAME");
}

static int parse_admin(const cJSON *obj, eved_config_t *c, char *error, size_t size) {
  static const struct {
    const char *key;
    size_t offset;
  } texts[] = {{"pipe", offsetof(eved_config_t, admin_pipe)},
               {"sddl", offsetof(eved_config_t, admin_sddl)},
               {"socket", offsetof(eved_config_t, admin_socket)}};
  if (!cJSON_IsObject(obj)) return eved__config_fail(error, size, "admin: must be an object");
  for (const cJSON *it = obj->child; it != NULL; it = it->next) {
    char key[80];
    snprintf(key, sizeof key, "admin.%.64s", it->string);
    bool known = false;
    for (size_t i = 0; i < sizeof texts / sizeof texts[0] && !known; i++) {
      if (strcmp(it->string, texts[i].key) != 0) continue;
      known = true;
      char *out = (char *)c + texts[i].offset;
      if (read_string(it, key, out, EVED_PATH_MAX, error, size) != EVE_OK) return EVE_EINVAL;
      if (out[0] == '\0') return eved__config_fail(error, size, "%s: must not be empty", key);
    }
    if (known) continue;
    if (strcmp(it->string, "enabled") == 0) {
      if (!cJSON_IsBool(it)) return eved__config_fail(error, size, "admin.enabled: must be true or false");
      c->admin_enabled = cJSON_IsTrue(it);
    } else if (strcmp(it->string, "max_clients") == 0) {
      if (read_uint(it, key, 1, EVED_ADMIN_MAX_CLIENTS_MAX, &c->admin_max_clients, error,
                    size) != EVE_OK)
        return EVE_EINVAL;
    } else if (strcmp(it->string, "idle_timeout_ms") == 0) {
      if (read_uint(it, key, 100, 86400000, &c->admin_idle_timeout_ms, error, size) != EVE_OK)
        return EVE_EINVAL;
    } else {
      return eved__config_fail(error, size, "admin.%.64s: unknown key", it->string);
    }
  }
  return normalize_pipe(c, error, size);
}

static bool collector_name_ok(const char *name) {
  if (name[0] == '\0') return false;
  for (const char *p = name; *p != '\0'; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')) return false;
  return true;
}

static int parse_enabled(const cJSON *item, eved_config_t *c, char *error, size_t size) {
  if (!cJSON_IsArray(item))
    return eved__config_fail(error, size, "collectors.enabled: must be an array of collector names");
  int n = cJSON_GetArraySize(item);
  if (n > EVED_COLLECTORS_MAX)
    return eved__config_fail(error, size, "collectors.enabled: at most %d names", EVED_COLLECTORS_MAX);
  for (int i = 0; i < n; i++) {
    const cJSON *a = cJSON_GetArrayItem(item, i);
    if (!cJSON_IsString(a) || strlen(a->valuestring) >= EVED_COLLECTOR_NAME_MAX ||
        !collector_name_ok(a->valuestring))
      return eved__config_fail(error, size, "collectors.enabled[%d]: must be a collector name (a-z, 0-9, _)", i);
    for (int j = 0; j < i; j++)
      if (strcmp(c->collectors_enabled[j], a->valuestring) == 0)
        return eved__config_fail(error, size, "collectors.enabled[%d]: \"%s\" is listed twice", i,
                    a->valuestring);
    char why[EVED_ERROR_MAX - 32];
    if (c->collector_check != NULL && c->collector_check(a->valuestring, why, sizeof why) != 0)
      return eved__config_fail(error, size, "collectors.enabled[%d]: %s", i, why);
    memcpy(c->collectors_enabled[i], a->valuestring, strlen(a->valuestring) + 1);
  }
  c->collectors_enabled_count = (size_t)n;
  c->collectors_all = false;
  return EVE_OK;
}

static int parse_collectors(const cJSON *obj, eved_config_t *c, char *error, size_t size) {
  if (!cJSON_IsObject(obj)) return eved__config_fail(error, size, "collectors: must be an object");
  for (const cJSON *it = obj->child; it != NULL; it = it->next) {
    if (strcmp(it->string, "enabled") == 0) {
      if (parse_enabled(it, c, error, size) != EVE_OK) return EVE_EINVAL;
    } else if (strcmp(it->string, "min_interval_ms") == 0) {
      if (read_uint(it, "collectors.min_interval_ms", 0, 3600000, &c->collectors_min_interval_ms,
                    error, size) != EVE_OK)
        return EVE_EINVAL;
    } else if (strcmp(it->string, "timeout_ms") == 0) {
      if (read_uint(it, "collectors.timeout_ms", 100, 600000, &c->collectors_timeout_ms, error,
                    size) != EVE_OK)
        return EVE_EINVAL;
    } else {
      return eved__config_fail(error, size, "collectors.%.64s: unknown key", it->string);
    }
  }
  return EVE_OK;
}

static int parse_textfile(const cJSON *obj, eved_config_t *c, char *error, size_t size) {
  if (!cJSON_IsObject(obj)) return eved__config_fail(error, size, "textfile: must be an object");
  for (const cJSON *it = obj->child; it != NULL; it = it->next) {
    if (strcmp(it->string, "directory") != 0)
      return eved__config_fail(error, size, "textfile.%.64s: unknown key", it->string);
    if (!cJSON_IsString(it) || it->valuestring[0] == '\0' ||
        strlen(it->valuestring) >= sizeof c->textfile_dir)
      return eved__config_fail(error, size, "textfile.directory: must be a path of 1 to %d bytes",
                  EVED_PATH_MAX - 1);
    snprintf(c->textfile_dir, sizeof c->textfile_dir, "%s", it->valuestring);
  }
  return EVE_OK;
}

static int parse_key(const cJSON *it, eved_config_t *c, char *error, size_t size) {
  if (strcmp(it->string, "listen") == 0) return parse_listen(it, c, error, size);
  if (strcmp(it->string, "log") == 0) return parse_log(it, c, error, size);
  if (strcmp(it->string, "poller") == 0) return parse_poller(it, c, error, size);
  if (strcmp(it->string, "admin") == 0) return parse_admin(it, c, error, size);
  if (strcmp(it->string, "collectors") == 0) return parse_collectors(it, c, error, size);
  if (strcmp(it->string, "textfile") == 0) return parse_textfile(it, c, error, size);
  if (strcmp(it->string, "basic_auth_users") == 0) return eved__config_parse_users(it, c, error, size);
  if (strcmp(it->string, "auth") == 0) return eved__config_parse_auth(it, c, error, size);
  if (strcmp(it->string, "tls") == 0) return eved__config_parse_tls(it, c, error, size);
  for (size_t i = 0; i < sizeof bounds / sizeof bounds[0]; i++) {
    if (strcmp(it->string, bounds[i].key) == 0)
      return read_uint(it, bounds[i].key, bounds[i].min, bounds[i].max,
                       (uint32_t *)((char *)c + bounds[i].offset), error, size);
  }
  return eved__config_fail(error, size, "%.64s: unknown key", it->string);
}

int eved_config_parse(const char *text, eved_config_t *config, char *error, size_t size) {
  cJSON *root = cJSON_Parse(text);
  if (root == NULL) {
    const char *at = cJSON_GetErrorPtr();
    size_t offset = at ? (size_t)(at - text) : 0;
    size_t line = 1;
    for (size_t i = 0; i < offset && text[i]; i++) line += text[i] == '\n';
    return eved__config_fail(error, size, "not valid JSON (near line %llu)", (unsigned long long)line);
  }
  int rc = EVE_OK;
  if (!cJSON_IsObject(root)) {
    rc = eved__config_fail(error, size, "the top level must be an object");
  } else {
    eved_config_t next = *config;
    for (const cJSON *it = root->child; it != NULL && rc == EVE_OK; it = it->next)
      rc = parse_key(it, &next, error, size);
    if (rc == EVE_OK) *config = next;
  }
  cJSON_Delete(root);
  return rc;
}

int eved_config_load(const char *path, eved_config_t *config, char *error, size_t size) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return eved__config_fail(error, size, "%.200s: cannot open", path);
  char *text = malloc(EVED_CONFIG_MAX_BYTES + 1);
  if (text == NULL) {
    fclose(f);
    return eved__config_fail(error, size, "out of memory");
  }
  size_t n = fread(text, 1, EVED_CONFIG_MAX_BYTES + 1, f);
  int read_error = ferror(f);
  fclose(f);
  int rc;
  if (read_error) {
    rc = eved__config_fail(error, size, "%.200s: read error", path);
  } else if (n > EVED_CONFIG_MAX_BYTES) {
    rc = eved__config_fail(error, size, "%.200s: larger than %d bytes", path, EVED_CONFIG_MAX_BYTES);
  } else {
    text[n] = '\0';
    rc = strlen(text) != n ? eved__config_fail(error, size, "%.200s: contains a NUL byte", path)
                           : eved_config_parse(text, config, error, size);
  }
  free(text);
  return rc;
}

int eved_config_set_listen(eved_config_t *config, const char *text, char *error, size_t size) {
  eve_net_address_t a;
  if (eve_net_address_parse(text, &a) != EVE_OK)
    return eved__config_fail(error, size, "--listen: bad address \"%.64s\" (want IPv4:port, [IPv6]:port or localhost:port)", text);
  config->listen[0] = a;
  config->listen_count = 1;
  return EVE_OK;
}

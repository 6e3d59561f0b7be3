/* `eved admin [--config FILE] [--pipe NAME | --socket PATH] [--json]
 * COMMAND [ARGS]`: sends one command line, reads one answer line. People
 * get the answer flattened to "key: value" lines; scripts get the JSON
 * as it came (--json). Exit 0 only when the answer says ok. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_client.h"
#include "cJSON.h"

/* An answer longer than this is refused rather than buffered. */
#define ANSWER_MAX (8 * 1024 * 1024)
#define LINE_MAX_OUT 4096

#define EXIT_NOT_OK 1
#define EXIT_USAGE 2
#define EXIT_UNREACHABLE 3

static const char usage[] =
    "usage: eved admin [--config FILE] [--pipe NAME] [--socket PATH] [--json] COMMAND [ARGS]\n"
    "commands: help, version, stats, connections, reload, loglevel [LEVEL], drain, resume,\n"
    "          reset-stats, shutdown\n";

static void print_value(const char *key, const cJSON *v) {
  if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
    int i = 0;
    for (const cJSON *it = v->child; it != NULL; it = it->next, i++) {
      char sub[256];
      if (cJSON_IsArray(v))
        snprintf(sub, sizeof sub, "%s[%d]", key, i);
      else
        snprintf(sub, sizeof sub, "%s%s%s", key, key[0] ? "." : "", it->string);
      print_value(sub, it);
    }
    return;
  }
  if (cJSON_IsString(v)) {
    printf("%s: %s\n", key, v->valuestring);
  } else if (cJSON_IsBool(v)) {
    printf("%s: %s\n", key, cJSON_IsTrue(v) ? "true" : "false");
  } else if (cJSON_IsNumber(v)) {
    double d = v->valuedouble;
    if (d == (double)(long long)d)
      printf("%s: %lld\n", key, (long long)d);
    else
      printf("%s: %.3f\n", key, d);
  } else {
    printf("%s: null\n", key);
  }
}

static int show(const char *answer, bool json) {
  cJSON *root = cJSON_Parse(answer);
  if (root == NULL || !cJSON_IsObject(root)) {
    cJSON_Delete(root);
    fprintf(stderr, "eved admin: the answer is not a JSON object: %.200s\n", answer);
    return EXIT_NOT_OK;
  }
  bool ok = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "ok"));
  if (json) {
    printf("%s\n", answer);
  } else if (!ok) {
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "error");
    fprintf(stderr, "eved admin: %s\n", cJSON_IsString(e) ? e->valuestring : "failed");
  } else {
    for (const cJSON *it = root->child; it != NULL; it = it->next)
      if (strcmp(it->string, "ok") != 0) print_value(it->string, it);
    if (root->child != NULL && root->child->next == NULL) puts("ok");
  }
  cJSON_Delete(root);
  return ok ? 0 : EXIT_NOT_OK;
}

/* Reads up to the first newline; the answer is NUL-terminated without it. */
static int read_answer(eved_admin_link_t *link, char **out) {
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap);
  if (buf == NULL) return EVE_ENOMEM;
  for (;;) {
    if (len + 1 >= cap) {
      if (cap >= ANSWER_MAX) {
        free(buf);
        return EVE_ELIMIT;
      }
      char *bigger = realloc(buf, cap * 2);
      if (bigger == NULL) {
        free(buf);
        return EVE_ENOMEM;
      }
      buf = bigger;
      cap *= 2;
    }
    size_t got = 0;
    int rc = eved_admin_link_recv(link, buf + len, cap - 1 - len, &got);
    if (rc != EVE_OK) {
      free(buf);
      return rc;
    }
    char *nl = memchr(buf + len, '\n', got);
    len += got;
    if (nl != NULL) {
      *nl = '\0';
      *out = buf;
      return EVE_OK;
    }
  }
}

static int parse_args(int argc, char **argv, eved_config_t *config, bool *json, char *line,
                      size_t line_size) {
  const char *config_file = NULL, *pipe = NULL, *socket = NULL;
  size_t len = 0;
  line[0] = '\0';
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    bool has_value = i + 1 < argc;
    if (strcmp(a, "--json") == 0) {
      *json = true;
    } else if (len == 0 && strcmp(a, "--config") == 0 && has_value) {
      config_file = argv[++i];
    } else if (len == 0 && strcmp(a, "--pipe") == 0 && has_value) {
      pipe = argv[++i];
    } else if (len == 0 && strcmp(a, "--socket") == 0 && has_value) {
      socket = argv[++i];
    } else if (len == 0 && a[0] == '-') {
      fprintf(stderr, "eved admin: unexpected option \"%s\"\n%s", a, usage);
      return EXIT_USAGE;
    } else {
      int n = snprintf(line + len, line_size - len, "%s%s", len ? " " : "", a);
      if (n < 0 || (size_t)n >= line_size - len) {
        fputs("eved admin: command too long\n", stderr);
        return EXIT_USAGE;
      }
      len += (size_t)n;
    }
  }
  if (len == 0) {
    fputs(usage, stderr);
    return EXIT_USAGE;
  }
  eved_config_defaults(config);
  char error[EVED_ERROR_MAX];
  if (config_file && eved_config_load(config_file, config, error, sizeof error) != EVE_OK) {
    fprintf(stderr, "eved admin: %s: %s\n", config_file, error);
    return EXIT_USAGE;
  }
  /* --pipe goes through the config parser so NAME means \\.\pipe\NAME. */
  if (pipe != NULL) {
    cJSON *doc = cJSON_CreateObject();
    cJSON *admin = doc ? cJSON_AddObjectToObject(doc, "admin") : NULL;
    char *text = admin && cJSON_AddStringToObject(admin, "pipe", pipe) ? cJSON_PrintUnformatted(doc) : NULL;
    int rc = text ? eved_config_parse(text, config, error, sizeof error) : EVE_ENOMEM;
    free(text);
    cJSON_Delete(doc);
    if (rc != EVE_OK) {
      fprintf(stderr, "eved admin: --pipe: %s\n", rc == EVE_ENOMEM ? "out of memory" : error);
      return EXIT_USAGE;
    }
  }
  if (socket != NULL) {
    if (strlen(socket) >= sizeof config->admin_socket) {
      fputs("eved admin: --socket: too long\n", stderr);
      return EXIT_USAGE;
    }
    memcpy(config->admin_socket, socket, strlen(socket) + 1);
  }
  return 0;
}

int eved_admin_client_main(int argc, char **argv) {
  eved_config_t config;
  bool json = false;
  char line[LINE_MAX_OUT];
  int status = parse_args(argc, argv, &config, &json, line, sizeof line - 1);
  if (status != 0) return status;
  size_t len = strlen(line);
  line[len] = '\n';
  line[len + 1] = '\0';
  eved_admin_link_t *link;
  char error[EVED_ERROR_MAX + EVED_PATH_MAX];
  if (eved_admin_link_open(&config, &link, error, sizeof error) != EVE_OK) {
    fprintf(stderr, "eved admin: %s\n", error);
    return EXIT_UNREACHABLE;
  }
  char *answer = NULL;
  int rc = eved_admin_link_send(link, line, len + 1);
  if (rc == EVE_OK) rc = read_answer(link, &answer);
  eved_admin_link_close(link);
  if (rc != EVE_OK) {
    fprintf(stderr, "eved admin: %s: %s\n", eved_admin_link_target(&config),
            rc == EVE_EOF_ ? "closed without an answer" : eve_strerror(rc));
    return EXIT_UNREACHABLE;
  }
  status = show(answer, json);
  free(answer);
  return status;
}

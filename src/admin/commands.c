/* The admin commands. Each runs on the loop thread, between waits, so it
 * reads and changes the server directly; nothing here blocks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "cJSON.h"
#include "control.h"
#include "log.h"
#include "platform.h"
#include "version.h"

/* A listing names at most this many connections (the count is exact). */
#define LIST_MAX 1000
#define WORDS_MAX 4
#define WORD_MAX 64

typedef struct words {
  char word[WORDS_MAX][WORD_MAX];
  size_t count;
  bool overflow; /* too many words, or one too long */
} words_t;

static void split(const char *line, size_t len, words_t *w) {
  memset(w, 0, sizeof *w);
  size_t i = 0;
  while (i < len) {
    while (i < len && (line[i] == ' ' || line[i] == '\t')) i++;
    if (i == len) break;
    size_t start = i;
    while (i < len && line[i] != ' ' && line[i] != '\t') i++;
    if (w->count == WORDS_MAX || i - start >= WORD_MAX) {
      w->overflow = true;
      return;
    }
    memcpy(w->word[w->count++], line + start, i - start);
  }
}

static cJSON *ok_object(void) {
  cJSON *o = cJSON_CreateObject();
  if (o != NULL && cJSON_AddTrueToObject(o, "ok") == NULL) {
    cJSON_Delete(o);
    return NULL;
  }
  return o;
}

static cJSON *error_object(const char *message) {
  cJSON *o = cJSON_CreateObject();
  if (o != NULL &&
      (cJSON_AddFalseToObject(o, "ok") == NULL || cJSON_AddStringToObject(o, "error", message) == NULL)) {
    cJSON_Delete(o);
    return NULL;
  }
  return o;
}

static const char *status_name(const eved_server_t *s) {
  return s->draining ? "draining" : s->paused ? "paused" : "running";
}

static cJSON *cmd_help(eved_server_t *s, const words_t *w);

static cJSON *cmd_version(eved_server_t *s, const words_t *w) {
  (void)w;
  cJSON *o = ok_object();
  if (o == NULL) return NULL;
  cJSON_AddStringToObject(o, "version", EVED_VERSION);
  cJSON_AddStringToObject(o, "backend", eve_poller_backend_name(s->poller));
  cJSON_AddStringToObject(o, "mode", eve_poller_mode_name(eve_poller_mode(s->poller)));
  cJSON_AddNumberToObject(o, "pid", (double)eved_process_id());
  cJSON_AddStringToObject(o, "status", status_name(s));
  return o;
}

static cJSON *cmd_stats(eved_server_t *s, const words_t *w) {
  (void)w;
  eved_snapshot_t snapshot = eved__snapshot(s);
  size_t len = 0;
  char *text = eved_stats_json(&snapshot, &len);
  if (text == NULL) return NULL;
  cJSON *o = ok_object();
  if (o != NULL && cJSON_AddRawToObject(o, "stats", text) == NULL) {
    cJSON_Delete(o);
    o = NULL;
  }
  free(text);
  return o;
}

static cJSON *cmd_connections(eved_server_t *s, const words_t *w) {
  (void)w;
  cJSON *o = ok_object();
  cJSON *list = o ? cJSON_AddArrayToObject(o, "connections") : NULL;
  if (list == NULL) {
    cJSON_Delete(o);
    return NULL;
  }
  size_t listed = 0;
  for (uint32_t i = 0; i < s->config.max_connections && listed < LIST_MAX; i++) {
    const eved_conn_t *c = s->slots[i];
    if (c == NULL) continue;
    cJSON *e = cJSON_CreateObject();
    if (e == NULL) break;
    char peer[EVE_NET_ADDRESS_TEXT_MAX] = "unknown";
    eve_net_address_t a;
    if (eve_net_peer_address(c->sock, &a) == EVE_OK) eve_net_address_format(&a, peer, sizeof peer);
    cJSON_AddStringToObject(e, "peer", peer);
    cJSON_AddNumberToObject(e, "age_ms", (double)(s->now_ms - c->accepted_ms));
    cJSON_AddNumberToObject(e, "requests", c->requests);
    cJSON_AddStringToObject(e, "state", eved__conn_is_idle(c) ? "idle" : "active");
    cJSON_AddItemToArray(list, e);
    listed++;
  }
  cJSON_AddNumberToObject(o, "count", (double)s->counters.connections_active);
  cJSON_AddBoolToObject(o, "truncated", listed < s->counters.connections_active);
  return o;
}

static cJSON *cmd_reload(eved_server_t *s, const words_t *w) {
  (void)w;
  char error[EVED_ERROR_MAX];
  if (eved__server_reload(s, error, sizeof error) != EVE_OK) return error_object(error);
  return ok_object();
}

static cJSON *cmd_loglevel(eved_server_t *s, const words_t *w) {
  (void)s;
  if (w->count == 2) {
    int level = eved_log_level_parse(w->word[1]);
    if (level < 0) return error_object("loglevel: want debug, info, warn or error");
    eved_log_set_level((eved_log_level_t)level);
    eved_log(EVED_LOG_INFO, "log level set to %s", eved_log_level_name((eved_log_level_t)level));
  }
  cJSON *o = ok_object();
  if (o != NULL) cJSON_AddStringToObject(o, "level", eved_log_level_name(eved_log_level()));
  return o;
}

static cJSON *status_answer(eved_server_t *s) {
  cJSON *o = ok_object();
  if (o != NULL) cJSON_AddStringToObject(o, "status", status_name(s));
  return o;
}

static cJSON *cmd_drain(eved_server_t *s, const words_t *w) {
  (void)w;
  eved__server_set_paused(s, true);
  return status_answer(s);
}

static cJSON *cmd_resume(eved_server_t *s, const words_t *w) {
  (void)w;
  eved__server_set_paused(s, false);
  return status_answer(s);
}

static cJSON *cmd_reset_stats(eved_server_t *s, const words_t *w) {
  (void)w;
  eved__server_reset_stats(s);
  return ok_object();
}

static cJSON *cmd_shutdown(eved_server_t *s, const words_t *w) {
  (void)s;
  (void)w;
  /* Through the control queue, like a signal: the loop starts the drain
   * after this answer is queued, and the channel stays open meanwhile. */
  eved_control_post(EVED_CONTROL_STOP);
  cJSON *o = ok_object();
  if (o != NULL) cJSON_AddStringToObject(o, "status", "stopping");
  return o;
}

typedef struct command {
  const char *name;
  size_t min_args, max_args;
  const char *usage;
  cJSON *(*run)(eved_server_t *s, const words_t *w);
} command_t;

static const command_t commands[] = {
    {"help", 0, 0, "help: this list", cmd_help},
    {"version", 0, 0, "version: version, poller and status", cmd_version},
    {"stats", 0, 0, "stats: the /stats figures", cmd_stats},
    {"connections", 0, 0, "connections: open HTTP connections (peer, age, requests)",
     cmd_connections},
    {"reload", 0, 0, "reload: re-read the config file (a bad one is rejected)", cmd_reload},
    {"loglevel", 0, 1, "loglevel [debug|info|warn|error]: show or set the log level",
     cmd_loglevel},
    {"drain", 0, 0, "drain: /healthz answers 503 (out of rotation); all else served", cmd_drain},
    {"resume", 0, 0, "resume: /healthz answers 200 again", cmd_resume},
    {"reset-stats", 0, 0, "reset-stats: zero the counters", cmd_reset_stats},
    {"shutdown", 0, 0, "shutdown: drain connections and exit", cmd_shutdown},
};

static cJSON *cmd_help(eved_server_t *s, const words_t *w) {
  (void)s;
  (void)w;
  cJSON *o = ok_object();
  cJSON *list = o ? cJSON_AddArrayToObject(o, "commands") : NULL;
  if (list == NULL) {
    cJSON_Delete(o);
    return NULL;
  }
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    cJSON_AddItemToArray(list, cJSON_CreateString(commands[i].usage));
  return o;
}

static cJSON *dispatch(eved_server_t *s, const char *line, size_t len) {
  words_t w;
  split(line, len, &w);
  if (w.overflow) return error_object("bad arguments: too many or too long");
  if (w.count == 0) return error_object("empty command; try help");
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
    const command_t *c = &commands[i];
    if (strcmp(w.word[0], c->name) != 0) continue;
    if (w.count - 1 < c->min_args || w.count - 1 > c->max_args) {
      char message[160];
      snprintf(message, sizeof message, "bad arguments; usage: %s", c->usage);
      return error_object(message);
    }
    return c->run(s, &w);
  }
  char message[WORD_MAX + 48];
  snprintf(message, sizeof message, "unknown command \"%s\"; try help", w.word[0]);
  return error_object(message);
}

char *eved__admin_execute(eved_server_t *s, const char *line, size_t len, size_t *out_len) {
  cJSON *answer = dispatch(s, line, len);
  char *text = answer ? cJSON_PrintUnformatted(answer) : NULL;
  cJSON_Delete(answer);
  if (text == NULL) return NULL;
  size_t n = strlen(text);
  char *framed = realloc(text, n + 2);
  if (framed == NULL) {
    free(text);
    return NULL;
  }
  framed[n] = '\n';
  framed[n + 1] = '\0';
  *out_len = n + 1;
  return framed;
}

/* One admin client's lines: split, run in order, answers queued. */
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "log.h"

void eved__admin_session_init(eved_admin_session_t *s, int64_t now_ms) {
  s->in_len = s->in_scanned = 0;
  s->out = NULL;
  s->out_len = s->out_off = s->out_cap = 0;
  s->closing = false;
  s->last_active_ms = now_ms;
  s->commands = 0;
}

void eved__admin_session_free(eved_admin_session_t *s) {
  free(s->out);
  s->out = NULL;
  s->out_len = s->out_off = s->out_cap = 0;
}

static bool append(eved_admin_session_t *s, const char *data, size_t len) {
  if (s->out_off > 0) {
    memmove(s->out, s->out + s->out_off, s->out_len - s->out_off);
    s->out_len -= s->out_off;
    s->out_off = 0;
  }
  if (s->out_len + len > s->out_cap) {
    size_t cap = s->out_cap ? s->out_cap : 4096;
    while (cap < s->out_len + len) cap *= 2;
    char *out = realloc(s->out, cap);
    if (out == NULL) return false;
    s->out = out;
    s->out_cap = cap;
  }
  memcpy(s->out + s->out_len, data, len);
  s->out_len += len;
  return true;
}

static void answer_and_close(eved_admin_session_t *s, const char *line) {
  append(s, line, strlen(line));
  s->closing = true;
}

char *eved__admin_session_space(eved_admin_session_t *s, size_t *len) {
  *len = sizeof s->in - s->in_len;
  return s->in + s->in_len;
}

void eved__admin_session_run(eved_server_t *server, eved_admin_session_t *s) {
  while (!s->closing && s->out_len - s->out_off < EVED_ADMIN_OUTPUT_SOFT_MAX) {
    char *nl = memchr(s->in + s->in_scanned, '\n', s->in_len - s->in_scanned);
    if (nl == NULL) {
      s->in_scanned = s->in_len;
      if (s->in_len == sizeof s->in) {
        eved__limit_hit(server, EVED_LIMIT_ADMIN_LINE,
                        "admin: a client sent a line over %d bytes; disconnecting it",
                        EVED_ADMIN_LINE_MAX);
        answer_and_close(s, "{\"ok\":false,\"error\":\"line longer than 65536 bytes\"}\n");
      }
      return;
    }
    size_t len = (size_t)(nl - s->in);
    size_t line_len = len > 0 && s->in[len - 1] == '\r' ? len - 1 : len;
    size_t answer_len = 0;
    char *answer = eved__admin_execute(server, s->in, line_len, &answer_len);
    s->commands++;
    memmove(s->in, nl + 1, s->in_len - len - 1);
    s->in_len -= len + 1;
    s->in_scanned = 0; /* what follows the line is not searched yet */
    if (answer == NULL || !append(s, answer, answer_len)) {
      free(answer);
      answer_and_close(s, "{\"ok\":false,\"error\":\"out of memory\"}\n");
      return;
    }
    free(answer);
  }
}

void eved__admin_session_received(eved_server_t *server, eved_admin_session_t *s, size_t n) {
  s->in_len += n;
  s->last_active_ms = server->now_ms;
  eved__admin_session_run(server, s);
}

bool eved__admin_session_wants_input(const eved_admin_session_t *s) {
  return !s->closing && s->out_len == s->out_off &&
         memchr(s->in + s->in_scanned, '\n', s->in_len - s->in_scanned) == NULL &&
         s->in_len < sizeof s->in;
}

const char *eved__admin_session_output(const eved_admin_session_t *s, size_t *len) {
  *len = s->out_len - s->out_off;
  /* Before the first answer there is no buffer, and NULL + 0 is undefined
   * (found by tests/fuzz/fuzz_admin). */
  return s->out != NULL ? s->out + s->out_off : "";
}

void eved__admin_session_sent(eved_admin_session_t *s, size_t n) {
  s->out_off += n;
  if (s->out_off == s->out_len) s->out_off = s->out_len = 0;
}

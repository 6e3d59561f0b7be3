/* libFuzzer target: the admin channel's line protocol (src/admin/session.c and
 * commands.c), whatever transport carries it. The first two input
 * bytes shape the run (how the bytes arrive, how fast the client reads);
 * the rest is what the client sends. Every answer must be one JSON object
 * on one line, and a line over EVED_ADMIN_LINE_MAX must end the session. */
#include <string.h>

#include "admin.h"
#include "cJSON.h"
#include "control.h"
#include "fuzz_server.h"
#include "log.h"

#define CHECK FUZZ_CHECK

/* Every step moves input or output, so this only stops a session that
 * never ends. */
#define MAX_STEPS 1000000

static eved_admin_session_t session;

/* Takes what the client reads this step; checks each whole answer line. */
static void client_reads(size_t budget, char *line, size_t *line_len) {
  size_t len = 0;
  const char *out = eved__admin_session_output(&session, &len);
  if (budget != 0 && len > budget) len = budget;
  for (size_t i = 0; i < len; i++) {
    if (out[i] != '\n') {
      CHECK(*line_len < 4 * EVED_ADMIN_OUTPUT_SOFT_MAX);
      line[(*line_len)++] = out[i];
      continue;
    }
    cJSON *answer = cJSON_ParseWithLength(line, *line_len);
    CHECK(answer != NULL && cJSON_IsObject(answer));
    CHECK(cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(answer, "ok")));
    cJSON_Delete(answer);
    *line_len = 0;
  }
  eved__admin_session_sent(&session, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char line[4 * EVED_ADMIN_OUTPUT_SOFT_MAX];
  eved_server_t *server = fuzz_server();
  if (size < 2) return 0;
  size_t recv_step = (size_t)data[0] * 257 + 1;
  size_t send_step = (size_t)(data[1] & 0x7f) * 61;
  const uint8_t *in = data + 2;
  size_t in_len = size - 2;
  /* What earlier inputs changed (loglevel, drain, shutdown) starts over. */
  eved_log_set_level(EVED_LOG_ERROR);
  eved_control_reset();
  server->paused = false;
  memset(&server->counters, 0, sizeof server->counters);

  eved__admin_session_init(&session, server->now_ms);
  size_t fed = 0, line_len = 0;
  for (int steps = 0; steps < MAX_STEPS; steps++) {
    size_t pending = 0;
    eved__admin_session_output(&session, &pending);
    if (pending > 0) {
      client_reads(send_step, line, &line_len);
      eved__admin_session_run(server, &session);
      continue;
    }
    if (session.closing || fed == in_len) break;
    if (!eved__admin_session_wants_input(&session)) {
      /* Held-back lines: run them, as the transport does once output drains. */
      uint32_t before = session.commands;
      eved__admin_session_run(server, &session);
      CHECK(session.commands != before || session.closing || pending > 0);
      continue;
    }
    size_t room = 0;
    char *space = eved__admin_session_space(&session, &room);
    CHECK(room > 0);
    size_t n = in_len - fed;
    if (n > recv_step) n = recv_step;
    if (n > room) n = room;
    memcpy(space, in + fed, n);
    fed += n;
    eved__admin_session_received(server, &session, n);
  }
  /* The client reads whatever is left. */
  client_reads(0, line, &line_len);
  CHECK(line_len == 0);
  CHECK(session.in_len <= sizeof session.in);
  eved__admin_session_free(&session);
  return 0;
}

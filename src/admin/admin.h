/* The admin channel: what the loop calls (the transport), and the line
 * protocol, whatever carries it: one command per line in, one JSON object
 * per line out. A session holds one client's input (at most one line of
 * EVED_ADMIN_LINE_MAX bytes) and the answers not yet sent; the transports
 * (unix_posix.c, pipe_win.c) move bytes between it and their handle. */
#ifndef EVED_ADMIN_H_
#define EVED_ADMIN_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server_int.h"

/* The longest command line; a client that sends more without a newline
 * gets an error line and is disconnected. */
#define EVED_ADMIN_LINE_MAX 65536
/* Commands stop running while this much output waits to be sent, so a
 * client that pipelines commands and never reads cannot grow memory. */
#define EVED_ADMIN_OUTPUT_SOFT_MAX (256 * 1024)

/* The transport (a Unix-domain socket, or a named pipe on Windows), one
 * file per OS, picked by CMake. */
int eved__admin_open(eved_server_t *server, eved_admin_t **out);
/* An event whose user data has EVED_ADMIN_FLAG. */
void eved__admin_on_event(eved_admin_t *admin, const eve_native_event_t *native);
/* Idle timeouts; called on the server's tick while clients are connected. */
void eved__admin_sweep(eved_admin_t *admin);
bool eved__admin_has_clients(const eved_admin_t *admin);
/* Disconnects everyone; waits for any I/O in flight before freeing. */
void eved__admin_close(eved_admin_t *admin);

typedef struct eved_admin_session {
  char in[EVED_ADMIN_LINE_MAX];
  size_t in_len;
  /* in[0, in_scanned) holds no newline: a line that arrives a byte at a
   * time is searched once in all, not once per read. */
  size_t in_scanned;
  char *out;
  size_t out_len, out_off, out_cap;
  bool closing; /* disconnect once the output is sent */
  int64_t last_active_ms;
  uint32_t commands;
} eved_admin_session_t;

void eved__admin_session_init(eved_admin_session_t *session, int64_t now_ms);
void eved__admin_session_free(eved_admin_session_t *session);

/* Where the next read goes, and how much fits. */
char *eved__admin_session_space(eved_admin_session_t *session, size_t *len);
/* Takes `n` bytes just read into the space and runs the complete lines. */
void eved__admin_session_received(eved_server_t *server, eved_admin_session_t *session,
                                  size_t n);
/* Runs lines held back while output was waiting. */
void eved__admin_session_run(eved_server_t *server, eved_admin_session_t *session);
/* Read more only when everything read so far is answered and sent. */
bool eved__admin_session_wants_input(const eved_admin_session_t *session);
/* The output not yet sent; 0 bytes when there is none. */
const char *eved__admin_session_output(const eved_admin_session_t *session, size_t *len);
void eved__admin_session_sent(eved_admin_session_t *session, size_t n);

/* commands.c: runs one command line (without its newline) and
 * returns the answer, one JSON object and a newline (heap, caller frees);
 * NULL if out of memory. */
char *eved__admin_execute(eved_server_t *server, const char *line, size_t len, size_t *out_len);

#endif /* EVED_ADMIN_H_ */

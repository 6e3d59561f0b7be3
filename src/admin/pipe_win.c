/* The admin channel on Windows: a named pipe (admin.pipe) served by the
 * loop itself. Every instance is opened for overlapped I/O and associated
 * with the poller's completion port; each ConnectNamedPipe, ReadFile and
 * WriteFile carries an entry from the poller's OverlappedPool and completes
 * through the same eve_poller_wait() that reports socket readiness.
 *
 * admin.max_clients instances wait in ConnectNamedPipe at once. An
 * instance does one thing at a time (connect, read, write: the protocol is
 * request/answer), so it owns at most one entry. A client that leaves is
 * disconnected and its instance waits for the next one.
 *
 * Ownership of the name: a squatter that creates the pipe first would see
 * every command (and could answer them). Windows refuses our first instance
 * then (FILE_FLAG_FIRST_PIPE_INSTANCE); Wine 8 ignores that flag, so two
 * more guards run first: a named mutex unique to the pipe name, which
 * catches a second eved even in a race, and a WaitNamedPipe probe of the
 * name, which catches any other process that created the pipe (it is what
 * catches a squatter under Wine, seen in tests/service: admin.wine.squat).
 *
 * Run as a service, the pipe's DACL also admits the service's own SID
 * (eved_admin_pipe_allow_sid): under its virtual account eved is neither
 * SYSTEM nor an administrator, and every instance after the first is
 * created through the pipe's DACL, which must grant the creator
 * FILE_CREATE_PIPE_INSTANCE (CreateNamedPipe, Remarks, Microsoft Learn);
 * the SCM's own tools running as that service need the channel too.
 *
 * Memory with I/O in flight is never freed: an instance is closed by
 * CancelIoEx and released only when the cancelled operation's completion
 * has come back. */
#include <windows.h>
#include <aclapi.h>
#include <sddl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "admin.h"
#include "log.h"
#include "pipe_win.h"
#include "platform.h"

/* Any key outside the poller's reserved ones: completions are matched by
 * their OVERLAPPED, not by key. */
#define COMPLETION_KEY 0x41444d494eu
#define PIPE_BUFFER 65536
/* After an over-long line: input read and dropped until the client closes,
 * at most this much and this long, so the client can read the error line
 * before DisconnectNamedPipe would discard it. */
#define LINGER_MAX_BYTES (4 * 1024 * 1024)
#define LINGER_MAX_MS 1000
/* How long eved__admin_close waits for cancelled operations to complete. */
#define CLOSE_ROUNDS 50
#define CLOSE_ROUND_MS 100

typedef struct instance {
  HANDLE pipe;
  eve_overlapped_entry_t *op; /* the operation in flight, or NULL */
  bool connected;
  bool cancelling; /* CancelIoEx issued; disconnect when op completes */
  bool lingering;
  int64_t linger_start_ms;
  size_t linger_bytes;
  eved_admin_session_t session;
} instance_t;

struct eved_admin {
  eved_server_t *server;
  eve_overlapped_pool_t *pool;
  HANDLE guard;
  wchar_t name[EVED_PATH_MAX];
  size_t count;
  bool closing;
  instance_t *instances[EVED_ADMIN_MAX_CLIENTS_MAX];
};

static void start_connect(eved_admin_t *a, size_t i);
static void advance(eved_admin_t *a, size_t i);

static eve_overlapped_entry_t *take_entry(eved_admin_t *a, size_t i, eve_io_operation_t op,
                                          void *buffer, size_t size) {
  eve_overlapped_entry_t *e = eve_overlapped_pool_acquire(a->pool);
  if (e == NULL) {
    eved_log(EVED_LOG_WARN, "admin: no overlapped entry free (poller capacity)");
    return NULL;
  }
  eve_overlapped_entry_reset(e);
  e->user_data = EVED_ADMIN_FLAG | i;
  e->handle = a->instances[i]->pipe;
  e->buffer = buffer;
  e->buffer_size = size;
  e->operation = op;
  return e;
}

/* After ReadFile/WriteFile/ConnectNamedPipe: in flight (a packet will
 * come, even for an immediate success, since the handles do not skip the
 * port on success), or failed at once (no packet). */
static bool started(eved_admin_t *a, size_t i, eve_overlapped_entry_t *e, BOOL ok) {
  if (ok || GetLastError() == ERROR_IO_PENDING) {
    a->instances[i]->op = e;
    return true;
  }
  eve_overlapped_pool_release(a->pool, e);
  return false;
}

/* The client is gone (or must go): ready the instance for the next one. */
static void recycle(eved_admin_t *a, size_t i) {
  instance_t *in = a->instances[i];
  if (in->connected) eved_log(EVED_LOG_DEBUG, "admin: client %u disconnected", (unsigned)i);
  DisconnectNamedPipe(in->pipe);
  eved__admin_session_free(&in->session);
  eved__admin_session_init(&in->session, a->server->now_ms);
  in->connected = in->lingering = in->cancelling = false;
  in->linger_bytes = 0;
  start_connect(a, i);
}

static void start_read(eved_admin_t *a, size_t i) {
  instance_t *in = a->instances[i];
  size_t room;
  char *space = eved__admin_session_space(&in->session, &room);
  if (in->lingering) {
    space = in->session.in;
    room = sizeof in->session.in;
  }
  eve_overlapped_entry_t *e = take_entry(a, i, EVE_IO_READ, space, room);
  if (e == NULL || !started(a, i, e, ReadFile(in->pipe, space, (DWORD)room, NULL, &e->overlapped)))
    recycle(a, i);
}

static void start_write(eved_admin_t *a, size_t i, const char *data, size_t len) {
  instance_t *in = a->instances[i];
  if (len > PIPE_BUFFER) len = PIPE_BUFFER;
  eve_overlapped_entry_t *e = take_entry(a, i, EVE_IO_WRITE, (void *)data, len);
  if (e == NULL ||
      !started(a, i, e, WriteFile(in->pipe, data, (DWORD)len, NULL, &e->overlapped)))
    recycle(a, i);
}

static void start_connect(eved_admin_t *a, size_t i) {
  instance_t *in = a->instances[i];
  if (a->closing) return;
  /* Bounded: a client that connects and leaves before we look
   * (ERROR_NO_DATA) costs one more try, not a loop. */
  for (int tries = 0; tries < 2; tries++) {
    eve_overlapped_entry_t *e = take_entry(a, i, EVE_IO_ACCEPT, NULL, 0);
    if (e == NULL) return;
    if (started(a, i, e, ConnectNamedPipe(in->pipe, &e->overlapped))) return;
    DWORD error = GetLastError();
    if (error == ERROR_PIPE_CONNECTED) {
      /* A client came between create/disconnect and connect: connected,
       * and no packet will come for it. */
      in->connected = true;
      in->session.last_active_ms = a->server->now_ms;
      start_read(a, i);
      return;
    }
    if (error != ERROR_NO_DATA) {
      eved_log(EVED_LOG_ERROR, "admin: ConnectNamedPipe failed: %s",
               eve_strerror(eve_error_from_os((long)error)));
      return;
    }
    DisconnectNamedPipe(in->pipe);
  }
}

/* Moves a connected client on after any completion: send what is queued,
 * run what the output held back, linger after a fatal answer, or read. */
static void advance(eved_admin_t *a, size_t i) {
  instance_t *in = a->instances[i];
  size_t len;
  const char *out = eved__admin_session_output(&in->session, &len);
  if (len == 0) {
    eved__admin_session_run(a->server, &in->session);
    out = eved__admin_session_output(&in->session, &len);
  }
  if (len > 0) {
    start_write(a, i, out, len);
  } else if (in->session.closing) {
    in->lingering = true;
    in->linger_start_ms = a->server->now_ms;
    start_read(a, i);
  } else {
    start_read(a, i);
  }
}

static void completed(eved_admin_t *a, size_t i, eve_io_operation_t op, int status,
                      size_t bytes) {
  instance_t *in = a->instances[i];
  if (a->closing) return;
  if (in->cancelling) {
    recycle(a, i);
    return;
  }
  if (op == EVE_IO_ACCEPT) {
    if (status < 0) {
      eved_log(EVED_LOG_WARN, "admin: connect failed: %s", eve_strerror(status));
      recycle(a, i);
      return;
    }
    in->connected = true;
    in->session.last_active_ms = a->server->now_ms;
    eved_log(EVED_LOG_DEBUG, "admin: client %u connected", (unsigned)i);
    start_read(a, i);
    return;
  }
  /* A broken pipe is the client leaving; anything else is as final. */
  if (status < 0) {
    recycle(a, i);
    return;
  }
  if (op == EVE_IO_READ && in->lingering) {
    in->linger_bytes += bytes;
    if (in->linger_bytes > LINGER_MAX_BYTES) {
      recycle(a, i);
    } else {
      start_read(a, i);
    }
    return;
  }
  if (op == EVE_IO_READ) {
    eved__admin_session_received(a->server, &in->session, bytes);
  } else {
    eved__admin_session_sent(&in->session, bytes);
    in->session.last_active_ms = a->server->now_ms;
  }
  advance(a, i);
}

void eved__admin_on_event(eved_admin_t *a, const eve_native_event_t *native) {
  eve_overlapped_entry_t *e = native->completion;
  size_t i = (size_t)(native->data.u64 & 0xffffu);
  if (e == NULL || i >= a->count || a->instances[i] == NULL || a->instances[i]->op != e) return;
  eve_io_operation_t op = e->operation;
  int status = e->status;
  size_t bytes = e->bytes_transferred;
  a->instances[i]->op = NULL;
  eve_overlapped_pool_release(a->pool, e);
  completed(a, i, op, status, bytes);
}

static void cancel(eved_admin_t *a, size_t i) {
  instance_t *in = a->instances[i];
  if (in->op == NULL || in->cancelling) return;
  in->cancelling = true;
  /* ERROR_NOT_FOUND: it completed meanwhile; its packet is on the way. */
  if (!CancelIoEx(in->pipe, &in->op->overlapped) && GetLastError() != ERROR_NOT_FOUND)
    eved_log(EVED_LOG_WARN, "admin: CancelIoEx failed: %s",
             eve_strerror(eve_error_from_os((long)GetLastError())));
}

void eved__admin_sweep(eved_admin_t *a) {
  int64_t now = a->server->now_ms;
  for (size_t i = 0; i < a->count; i++) {
    instance_t *in = a->instances[i];
    if (in == NULL || !in->connected || in->op == NULL) continue;
    bool idle = in->op->operation == EVE_IO_READ &&
                now - in->session.last_active_ms >= (int64_t)a->server->config.admin_idle_timeout_ms;
    bool linger_over = in->lingering && now - in->linger_start_ms >= LINGER_MAX_MS;
    if (idle || linger_over) {
      if (idle)
        eved__limit_hit(a->server, EVED_LIMIT_ADMIN_IDLE,
                        "admin: closing client %u, idle for %u ms",
                        (unsigned)i, a->server->config.admin_idle_timeout_ms);
      cancel(a, i);
    }
  }
}

bool eved__admin_has_clients(const eved_admin_t *a) {
  for (size_t i = 0; i < a->count; i++)
    if (a->instances[i] != NULL && a->instances[i]->connected) return true;
  return false;
}

/* ---- opening ------------------------------------------------------------ */

static void log_os_error(const char *what, DWORD error) {
  eved_log(EVED_LOG_ERROR, "admin pipe: %s: %s (error %lu)", what,
           eve_strerror(eve_error_from_os((long)error)), (unsigned long)error);
}

static bool widen(const char *text, wchar_t *out, size_t size) {
  return MultiByteToWideChar(CP_UTF8, 0, text, -1, out, (int)size) > 0;
}

static void narrow(const wchar_t *text, char *out, size_t size) {
  if (WideCharToMultiByte(CP_UTF8, 0, text, -1, out, (int)size, NULL, NULL) <= 0) out[0] = '\0';
}

/* A mutex named after the pipe: created by the first eved, found by any
 * second one. Global, so a console eved and the service see each other. */
static int take_guard(eved_admin_t *a, const char *pipe) {
  wchar_t name[EVED_PATH_MAX + 32] = L"Global\\eved-admin-pipe-";
  size_t used = wcslen(name);
  /* The leaf after \\.\pipe\ has no backslash (config.c checks). */
  if (!widen(pipe + 9, name + used, sizeof name / sizeof name[0] - used)) return EVE_EINVAL;
  a->guard = CreateMutexW(NULL, FALSE, name);
  if (a->guard == NULL) {
    log_os_error("CreateMutex (the instance guard)", GetLastError());
    return eve_error_from_os((long)GetLastError());
  }
  if (GetLastError() == ERROR_ALREADY_EXISTS) {
    eved_log(EVED_LOG_ERROR, "admin pipe %s is in use by another eved (its guard mutex exists)",
             pipe);
    return EVE_EADDRINUSE;
  }
  return EVE_OK;
}

/* Whether anything already answers to the name: WaitNamedPipe finds an
 * instance (TRUE) or one that is busy (ERROR_SEM_TIMEOUT); only
 * ERROR_FILE_NOT_FOUND means the name is free. */
static int probe_name(const eved_admin_t *a, const char *pipe) {
  if (WaitNamedPipeW(a->name, 1)) goto taken;
  DWORD error = GetLastError();
  if (error == ERROR_FILE_NOT_FOUND) return EVE_OK;
  if (error != ERROR_SEM_TIMEOUT) {
    log_os_error("WaitNamedPipe (probing the name)", error);
    return eve_error_from_os((long)error);
  }
taken:
  eved_log(EVED_LOG_ERROR,
           "admin pipe %s already exists: another process created it first; refusing to share "
           "the name",
           pipe);
  return EVE_EADDRINUSE;
}

#define SID_TEXT_MAX 128
static char allowed_sid[SID_TEXT_MAX];

void eved_admin_pipe_allow_sid(const char *sid) {
  allowed_sid[0] = '\0';
  if (sid != NULL && strlen(sid) < SID_TEXT_MAX) memcpy(allowed_sid, sid, strlen(sid) + 1);
}

/* admin.sddl with "(A;;GA;;;SID)" after the DACL's last ACE, when a
 * service SID is set and the SDDL does not name it already. An SDDL with
 * no DACL part is left as it is: adding one would replace "no DACL"
 * (everyone) with "only this SID", and the administrator wrote it so.
 * False if the result does not fit. */
static bool effective_sddl(const char *sddl, char *out, size_t size) {
  size_t len = strlen(sddl);
  const char *d = strstr(sddl, "D:");
  if (allowed_sid[0] == '\0' || d == NULL || strstr(sddl, allowed_sid) != NULL) {
    if (len >= size) return false;
    memcpy(out, sddl, len + 1);
    return true;
  }
  /* Past the flags (P, AI, AR, NO_ACCESS_CONTROL...) and every "(...)". */
  const char *p = d + 2;
  while (*p != '\0' && *p != '(' && *p != ':') p++;
  if (*p == ':') p -= 1; /* the next part ("S:") began: no ACEs */
  while (*p == '(') {
    const char *close = strchr(p, ')');
    if (close == NULL) break;
    p = close + 1;
  }
  size_t head = (size_t)(p - sddl);
  int n = snprintf(out, size, "%.*s(A;;GA;;;%s)%s", (int)head, sddl, allowed_sid, p);
  return n > 0 && (size_t)n < size;
}

/* Reads the DACL back from the first instance and compares it with the
 * configured one, both rendered by the same API, so a descriptor that did
 * not take (or was changed under us) fails loudly. */
static int check_dacl(HANDLE pipe, PSECURITY_DESCRIPTOR wanted) {
  PACL dacl = NULL;
  PSECURITY_DESCRIPTOR got = NULL;
  DWORD error = GetSecurityInfo(pipe, SE_KERNEL_OBJECT, DACL_SECURITY_INFORMATION, NULL, NULL,
                                &dacl, NULL, &got);
  if (error != ERROR_SUCCESS) {
    log_os_error("GetSecurityInfo (reading the DACL back)", error);
    return eve_error_from_os((long)error);
  }
  LPWSTR got_text = NULL, want_text = NULL;
  int rc = EVE_OK;
  if (!ConvertSecurityDescriptorToStringSecurityDescriptorW(got, SDDL_REVISION_1,
                                                            DACL_SECURITY_INFORMATION, &got_text,
                                                            NULL) ||
      !ConvertSecurityDescriptorToStringSecurityDescriptorW(
          wanted, SDDL_REVISION_1, DACL_SECURITY_INFORMATION, &want_text, NULL)) {
    log_os_error("ConvertSecurityDescriptorToStringSecurityDescriptor", GetLastError());
    rc = EVE_EIO;
  } else {
    char got_a[EVED_PATH_MAX + SID_TEXT_MAX + 16], want_a[EVED_PATH_MAX + SID_TEXT_MAX + 16];
    narrow(got_text, got_a, sizeof got_a);
    narrow(want_text, want_a, sizeof want_a);
    if (wcscmp(got_text, want_text) != 0) {
      eved_log(EVED_LOG_ERROR, "admin pipe: DACL reads back as %s, not %s", got_a, want_a);
      rc = EVE_EACCES;
    } else {
      eved_log(EVED_LOG_INFO, "admin pipe: DACL checked: %s", got_a);
    }
  }
  LocalFree(got_text);
  LocalFree(want_text);
  LocalFree(got);
  return rc;
}

static int create_instance(eved_admin_t *a, size_t i, SECURITY_ATTRIBUTES *sa) {
  DWORD open_mode = PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED;
  if (i == 0) open_mode |= FILE_FLAG_FIRST_PIPE_INSTANCE;
  HANDLE pipe = CreateNamedPipeW(a->name, open_mode,
                                 PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT |
                                     PIPE_REJECT_REMOTE_CLIENTS,
                                 (DWORD)a->count, PIPE_BUFFER, PIPE_BUFFER, 0, sa);
  if (pipe == INVALID_HANDLE_VALUE) {
    DWORD error = GetLastError();
    if (i == 0 && error == ERROR_ACCESS_DENIED) {
      eved_log(EVED_LOG_ERROR,
               "admin pipe: the name already exists (FILE_FLAG_FIRST_PIPE_INSTANCE refused)");
      return EVE_EADDRINUSE;
    }
    log_os_error("CreateNamedPipe", error);
    return eve_error_from_os((long)error);
  }
  instance_t *in = calloc(1, sizeof *in);
  if (in == NULL) {
    CloseHandle(pipe);
    return EVE_ENOMEM;
  }
  in->pipe = pipe;
  eved__admin_session_init(&in->session, a->server->now_ms);
  a->instances[i] = in;
  int rc = eve_poller_associate_handle(a->server->poller, pipe, COMPLETION_KEY);
  if (rc != EVE_OK) eved_log(EVED_LOG_ERROR, "admin pipe: associate_handle: %s", eve_strerror(rc));
  return rc;
}

static void free_instances(eved_admin_t *a) {
  for (size_t i = 0; i < a->count; i++) {
    instance_t *in = a->instances[i];
    if (in == NULL) continue;
    DisconnectNamedPipe(in->pipe);
    CloseHandle(in->pipe);
    eved__admin_session_free(&in->session);
    free(in);
    a->instances[i] = NULL;
  }
}

static int create_instances(eved_admin_t *a) {
  const eved_config_t *c = &a->server->config;
  char sddl_a[EVED_PATH_MAX + SID_TEXT_MAX + 16];
  wchar_t sddl[EVED_PATH_MAX + SID_TEXT_MAX + 16];
  PSECURITY_DESCRIPTOR sd = NULL;
  if (!effective_sddl(c->admin_sddl, sddl_a, sizeof sddl_a) ||
      !widen(sddl_a, sddl, sizeof sddl / sizeof sddl[0]) ||
      !ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl, SDDL_REVISION_1, &sd, NULL)) {
    eved_log(EVED_LOG_ERROR, "admin.sddl: not a valid security descriptor: %s", c->admin_sddl);
    return EVE_EINVAL;
  }
  SECURITY_ATTRIBUTES sa = {sizeof sa, sd, FALSE};
  int rc = EVE_OK;
  for (size_t i = 0; i < a->count && rc == EVE_OK; i++) {
    rc = create_instance(a, i, &sa);
    if (rc == EVE_OK && i == 0) rc = check_dacl(a->instances[0]->pipe, sd);
  }
  LocalFree(sd);
  return rc;
}

int eved__admin_open(eved_server_t *server, eved_admin_t **out) {
  const char *pipe = server->config.admin_pipe;
  eved_admin_t *a = calloc(1, sizeof *a);
  if (a == NULL) return EVE_ENOMEM;
  a->server = server;
  a->pool = eve_poller_overlapped_pool(server->poller);
  a->count = server->config.admin_max_clients;
  int rc = widen(pipe, a->name, EVED_PATH_MAX) ? EVE_OK : EVE_EINVAL;
  if (rc == EVE_OK && a->pool == NULL) rc = EVE_ENOTSUP;
  if (rc == EVE_OK) rc = take_guard(a, pipe);
  if (rc == EVE_OK) rc = probe_name(a, pipe);
  if (rc == EVE_OK) rc = create_instances(a);
  if (rc != EVE_OK) {
    eved_log(EVED_LOG_ERROR, "cannot open the admin pipe %s: %s", pipe, eve_strerror(rc));
    free_instances(a);
    if (a->guard != NULL) CloseHandle(a->guard);
    free(a);
    return rc;
  }
  for (size_t i = 0; i < a->count; i++) start_connect(a, i);
  eved_log(EVED_LOG_INFO, "admin channel on %s (%u instances)", pipe, (unsigned)a->count);
  *out = a;
  return EVE_OK;
}

static size_t in_flight(const eved_admin_t *a) {
  size_t n = 0;
  for (size_t i = 0; i < a->count; i++)
    if (a->instances[i] != NULL && a->instances[i]->op != NULL) n++;
  return n;
}

static bool any_connected(const eved_admin_t *a) {
  for (size_t i = 0; i < a->count; i++)
    if (a->instances[i] != NULL && a->instances[i]->connected) return true;
  return false;
}

void eved__admin_close(eved_admin_t *a) {
  /* DisconnectNamedPipe discards what a client has not read yet, such as
   * the answer to the `shutdown` that ended the loop. So first let
   * connected clients finish, as after a fatal answer: their writes
   * complete, and a client that has read and closed ends its pending read,
   * which recycles the instance. Bounded like that linger. */
  eve_native_event_t events[16];
  int64_t until = eved_monotonic_ms() + LINGER_MAX_MS;
  while (any_connected(a) && eved_monotonic_ms() < until) {
    int n = eve_poller_wait(a->server->poller, events, 16, CLOSE_ROUND_MS);
    a->server->now_ms = eved_monotonic_ms();
    for (int k = 0; k < n; k++)
      if (events[k].data.u64 & EVED_ADMIN_FLAG) eved__admin_on_event(a, &events[k]);
  }
  a->closing = true;
  for (size_t i = 0; i < a->count; i++)
    if (a->instances[i] != NULL) cancel(a, i);
  /* The loop is over: take the cancelled operations' completions here.
   * Other events (the server's sockets are all closed by now) are dropped. */
  for (int round = 0; round < CLOSE_ROUNDS && in_flight(a) > 0; round++) {
    int n = eve_poller_wait(a->server->poller, events, 16, CLOSE_ROUND_MS);
    for (int k = 0; k < n; k++)
      if (events[k].data.u64 & EVED_ADMIN_FLAG) eved__admin_on_event(a, &events[k]);
  }
  size_t stuck = in_flight(a);
  if (stuck > 0) {
    /* Freeing them would let the kernel write into freed memory: leak. */
    eved_log(EVED_LOG_ERROR, "admin pipe: %u operations never completed after cancel",
             (unsigned)stuck);
    for (size_t i = 0; i < a->count; i++)
      if (a->instances[i] != NULL && a->instances[i]->op != NULL) a->instances[i] = NULL;
  }
  free_instances(a);
  CloseHandle(a->guard);
  free(a);
}

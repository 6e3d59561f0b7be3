/* Raw named-pipe clients for the admin channel tests under Wine: what the
 * real client (`eved admin`) never does on purpose.
 *
 *   pipe_probe flood NAME BYTES  send BYTES without a newline; print the
 *                                answer line, then "disconnected" once the
 *                                server drops us
 *   pipe_probe many NAME N       connect N clients at once, then send
 *                                "version" on each and print each answer;
 *                                a client refused prints "client K: busy"
 *   pipe_probe idle NAME         connect, say nothing, print "disconnected"
 *                                when the server drops us
 *   pipe_probe squat NAME        create the pipe first, print "squatting",
 *                                hold it until standard input closes
 *   pipe_probe dacl NAME         print the pipe's DACL as SDDL
 *
 * NAME is the leaf after \\.\pipe\. Exit 0 when the step did what it says,
 * 1 otherwise (with the reason on standard error). */
#include <windows.h>
#include <aclapi.h>
#include <sddl.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define WAIT_MS 20000
#define ANSWER_MAX 65536
#define MANY_MAX 16

static wchar_t pipe_name[300];

static int fail(const char *what) {
  fprintf(stderr, "pipe_probe: %s: error %lu\n", what, (unsigned long)GetLastError());
  return 1;
}

static HANDLE open_client(DWORD flags) {
  return CreateFileW(pipe_name, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING,
                     flags | SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION, NULL);
}

static bool gone(DWORD error) {
  return error == ERROR_BROKEN_PIPE || error == ERROR_PIPE_NOT_CONNECTED ||
         error == ERROR_NO_DATA;
}

/* One overlapped operation on its own event, waited for. */
typedef struct op {
  OVERLAPPED ov;
  DWORD bytes;
  DWORD error;
} op_t;

static void op_start(op_t *o) {
  memset(o, 0, sizeof *o);
  o->ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
}

static bool op_finish(HANDLE h, op_t *o, BOOL ok, DWORD ms) {
  if (!ok && GetLastError() != ERROR_IO_PENDING) {
    o->error = GetLastError();
    return true;
  }
  if (WaitForSingleObject(o->ov.hEvent, ms) != WAIT_OBJECT_0) return false;
  o->error = GetOverlappedResult(h, &o->ov, &o->bytes, FALSE) ? 0 : GetLastError();
  return true;
}

static int flood(size_t bytes) {
  HANDLE h = open_client(FILE_FLAG_OVERLAPPED);
  if (h == INVALID_HANDLE_VALUE) return fail("open");
  char *data = malloc(bytes);
  static char answer[ANSWER_MAX];
  if (data == NULL) return fail("malloc");
  memset(data, 'x', bytes);
  op_t w, r;
  op_start(&w);
  op_start(&r);
  BOOL wok = WriteFile(h, data, (DWORD)bytes, NULL, &w.ov);
  if (!wok && GetLastError() != ERROR_IO_PENDING) return fail("write");
  /* The answer comes while our write is still being taken (or cut). */
  if (!op_finish(h, &r, ReadFile(h, answer, sizeof answer - 1, NULL, &r.ov), WAIT_MS))
    return fail("no answer");
  if (r.error != 0) return fail("read the answer");
  answer[r.bytes] = '\0';
  printf("answer: %s", answer);
  if (!op_finish(h, &w, TRUE, WAIT_MS)) {
    CancelIoEx(h, &w.ov);
    return fail("the write never ended");
  }
  printf("write ended: %lu bytes, error %lu\n", (unsigned long)w.bytes, (unsigned long)w.error);
  /* Then the server drops us: the next read fails. */
  op_start(&r);
  if (!op_finish(h, &r, ReadFile(h, answer, sizeof answer - 1, NULL, &r.ov), WAIT_MS))
    return fail("still connected");
  if (!gone(r.error)) return fail("read after the answer");
  printf("disconnected\n");
  CloseHandle(h);
  free(data);
  return 0;
}

static int read_line(HANDLE h, char *buf, size_t size) {
  size_t len = 0;
  while (len + 1 < size) {
    DWORD n = 0;
    if (!ReadFile(h, buf + len, (DWORD)(size - 1 - len), &n, NULL) || n == 0) return -1;
    len += n;
    if (memchr(buf, '\n', len) != NULL) break;
  }
  buf[len] = '\0';
  return (int)len;
}

static int many(int n) {
  if (n < 1 || n > MANY_MAX) return fail("N out of range");
  HANDLE h[MANY_MAX];
  int open = 0;
  for (int i = 0; i < n; i++) {
    h[i] = open_client(0);
    if (h[i] == INVALID_HANDLE_VALUE) {
      if (GetLastError() != ERROR_PIPE_BUSY) return fail("open");
      printf("client %d: busy\n", i + 1);
      continue;
    }
    open++;
  }
  for (int i = 0; i < n; i++) {
    DWORD sent;
    if (h[i] != INVALID_HANDLE_VALUE && !WriteFile(h[i], "version\n", 8, &sent, NULL))
      return fail("write");
  }
  for (int i = 0; i < n; i++) {
    char line[ANSWER_MAX];
    if (h[i] == INVALID_HANDLE_VALUE) continue;
    if (read_line(h[i], line, sizeof line) < 0) return fail("read");
    printf("client %d: %s", i + 1, line);
    CloseHandle(h[i]);
  }
  printf("%d connected at once\n", open);
  return 0;
}

static int idle(void) {
  HANDLE h = open_client(0);
  if (h == INVALID_HANDLE_VALUE) return fail("open");
  char c;
  DWORD n;
  if (ReadFile(h, &c, 1, &n, NULL)) return fail("the server said something");
  if (!gone(GetLastError())) return fail("read");
  printf("disconnected\n");
  CloseHandle(h);
  return 0;
}

static int squat(void) {
  HANDLE h = CreateNamedPipeW(pipe_name, PIPE_ACCESS_DUPLEX | FILE_FLAG_FIRST_PIPE_INSTANCE,
                              PIPE_TYPE_BYTE | PIPE_WAIT, 1, 4096, 4096, 0, NULL);
  if (h == INVALID_HANDLE_VALUE) return fail("CreateNamedPipe");
  printf("squatting\n");
  fflush(stdout);
  char buf[64];
  DWORD n;
  while (ReadFile(GetStdHandle(STD_INPUT_HANDLE), buf, sizeof buf, &n, NULL) && n > 0) {
  }
  CloseHandle(h);
  return 0;
}

static int dacl(void) {
  HANDLE h = CreateFileW(pipe_name, GENERIC_READ | READ_CONTROL, 0, NULL, OPEN_EXISTING,
                         SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION, NULL);
  if (h == INVALID_HANDLE_VALUE) return fail("open");
  PACL acl = NULL;
  PSECURITY_DESCRIPTOR sd = NULL;
  DWORD rc = GetSecurityInfo(h, SE_KERNEL_OBJECT, DACL_SECURITY_INFORMATION, NULL, NULL, &acl,
                             NULL, &sd);
  if (rc != ERROR_SUCCESS) {
    SetLastError(rc);
    return fail("GetSecurityInfo");
  }
  LPSTR text = NULL;
  if (!ConvertSecurityDescriptorToStringSecurityDescriptorA(sd, SDDL_REVISION_1,
                                                            DACL_SECURITY_INFORMATION, &text, NULL))
    return fail("ConvertSecurityDescriptorToStringSecurityDescriptor");
  printf("%s\n", text);
  LocalFree(text);
  LocalFree(sd);
  CloseHandle(h);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fputs("usage: pipe_probe flood|many|idle|squat|dacl NAME [N]\n", stderr);
    return 2;
  }
  swprintf(pipe_name, sizeof pipe_name / sizeof pipe_name[0], L"\\\\.\\pipe\\%hs", argv[2]);
  const char *verb = argv[1];
  if (strcmp(verb, "flood") == 0 && argc == 4) return flood((size_t)strtoul(argv[3], NULL, 10));
  if (strcmp(verb, "many") == 0 && argc == 4) return many(atoi(argv[3]));
  if (strcmp(verb, "idle") == 0) return idle();
  if (strcmp(verb, "squat") == 0) return squat();
  if (strcmp(verb, "dacl") == 0) return dacl();
  fputs("pipe_probe: unknown verb\n", stderr);
  return 2;
}

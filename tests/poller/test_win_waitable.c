/* Windows: EVENT and CONSOLE handles, watched through thread-pool waits. */
#ifdef _WIN32
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "support.h"
#include "test.h"
#include "test_hooks.h"

static eve_handle_t h(HANDLE handle) { return eve_handle_from_raw((uintptr_t)handle); }

/* Signalled while the loop is blocked (the thread-pool path), and already
 * signalled when armed (the inline look): both are reported readable. */
typedef struct setter {
  eve_poller_t *poller;
  uint64_t waits_before;
  HANDLE event;
} setter_t;

static void set_when_asleep(void *arg) {
  setter_t *setter = arg;
  test_await_wait_asleep(setter->poller, setter->waits_before);
  CHECK(SetEvent(setter->event));
}

TEST_IMPL(event_signalled_readable) {
  eve_poller_t *poller = test_poller(mode);
  HANDLE event = CreateEventW(NULL, FALSE, FALSE, NULL); /* auto-reset */
  CHECK(event != NULL);
  CHECK_EQ(eve_handle_classify(h(event)), EVE_HANDLE_EVENT);
  CHECK_OK(eve_poller_register(poller, h(event), EVE_INTEREST_READ, 11));
  CHECK_EQ(eve_poller_overlapped_count(poller), 1);
  test_expect_quiet(poller);

  setter_t setter = {poller, test_stats(poller).waits, event};
  test_thread_t *thread = test_thread_start(set_when_asleep, &setter);
  eve_native_event_t events[4];
  CHECK_EQ(eve_poller_wait(poller, events, 4, TEST_EVENT_TIMEOUT_MS), 1);
  test_thread_join(thread);
  CHECK_EQ(events[0].data.u64, 11);
  CHECK(events[0].completion == NULL);
  CHECK_EQ(eve_poller_translate(&events[0]).ready, EVE_READY_READABLE);
  /* Reported once: not again until modify re-arms it. */
  test_expect_quiet(poller);

  CHECK_OK(eve_poller_unregister(poller, h(event)));
  CHECK_EQ(eve_poller_registration_count(poller), 0);
  /* Signalled after unregistering: nobody hears of it. */
  CHECK(SetEvent(event));
  CHECK_EQ(eve_poller_wait(poller, events, 4, 50), 0);
  CloseHandle(event);
  CHECK_OK(eve_poller_dispose(poller));
}

TEST_IMPL(event_rearmed_on_modify) {
  eve_poller_t *poller = test_poller(mode);
  HANDLE event = CreateEventW(NULL, TRUE, FALSE, NULL); /* manual-reset: stays set */
  CHECK(event != NULL);
  CHECK_OK(eve_poller_register(poller, h(event), EVE_INTEREST_READ, 1));
  CHECK(SetEvent(event));
  CHECK_EQ(test_expect_ready(poller, 1), EVE_READY_READABLE);
  /* Still set, but one-shot: quiet until re-armed. */
  test_expect_quiet(poller);
  CHECK_OK(eve_poller_modify(poller, h(event), EVE_INTEREST_READ, 2));
  CHECK_EQ(test_expect_ready(poller, 2), EVE_READY_READABLE);
  test_expect_quiet(poller);
  /* Re-armed while not signalled: reported when it is set later. */
  CHECK(ResetEvent(event));
  CHECK_OK(eve_poller_modify(poller, h(event), EVE_INTEREST_READ, 3));
  test_expect_quiet(poller);
  CHECK(SetEvent(event));
  CHECK_EQ(test_expect_ready(poller, 3), EVE_READY_READABLE);
  /* No READ interest: disarmed, nothing reported even when set. */
  CHECK_OK(eve_poller_modify(poller, h(event), EVE_INTEREST_NONE, 4));
  eve_native_event_t events[4];
  CHECK_EQ(eve_poller_wait(poller, events, 4, 50), 0);
  CHECK_OK(eve_poller_dispose(poller));
  CloseHandle(event);
}

/* An event set on another thread between register and dispose, many
 * times: the packets that may still be on the port at unregister or
 * dispose are drained, not read after free (a crash or a hang here). */
TEST_IMPL(event_unregister_with_packet_queued) {
  eve_poller_t *poller = test_poller(mode);
  for (int i = 0; i < 50; i++) {
    HANDLE event = CreateEventW(NULL, TRUE, FALSE, NULL);
    CHECK(event != NULL);
    CHECK_OK(eve_poller_register(poller, h(event), EVE_INTEREST_READ, (uint64_t)i));
    CHECK(SetEvent(event));
    /* The pool's wait thread may or may not have posted by now. */
    if (i % 2) test_sleep_ms(1);
    CHECK_OK(eve_poller_unregister(poller, h(event)));
    CloseHandle(event);
  }
  eve_native_event_t events[4];
  CHECK_EQ(eve_poller_wait(poller, events, 4, 50), 0);
  HANDLE last = CreateEventW(NULL, TRUE, TRUE, NULL);
  CHECK_OK(eve_poller_register(poller, h(last), EVE_INTEREST_READ, 99));
  CHECK_OK(eve_poller_dispose(poller));
  CloseHandle(last);
}

/* A callback that cannot post its packet (PostQueuedCompletionStatus out
 * of memory) leaves a spent one-shot wait: the next modify replaces it,
 * so an event still set is reported then, not never. */
TEST_IMPL(event_rearmed_after_lost_post) {
  eve_poller_t *poller = test_poller(mode);
  HANDLE event = CreateEventW(NULL, TRUE, FALSE, NULL); /* manual-reset: stays set */
  CHECK(event != NULL);
  atomic_store(&eve__test_hooks.failing_waitable_posts, 1);
  atomic_store(&eve__test_hooks.lost_waitable_posts, 0);
  CHECK_OK(eve_poller_register(poller, h(event), EVE_INTEREST_READ, 1));
  CHECK(SetEvent(event));
  while (atomic_load(&eve__test_hooks.lost_waitable_posts) == 0) test_sleep_ms(1);
  test_expect_quiet(poller);
  CHECK_OK(eve_poller_modify(poller, h(event), EVE_INTEREST_READ, 2));
  CHECK_EQ(test_expect_ready(poller, 2), EVE_READY_READABLE);
  /* And the wait it armed works like any other. */
  CHECK(ResetEvent(event));
  CHECK_OK(eve_poller_modify(poller, h(event), EVE_INTEREST_READ, 3));
  test_expect_quiet(poller);
  CHECK(SetEvent(event));
  CHECK_EQ(test_expect_ready(poller, 3), EVE_READY_READABLE);
  CHECK_EQ(atomic_load(&eve__test_hooks.failing_waitable_posts), 0);
  CHECK_OK(eve_poller_dispose(poller));
  CloseHandle(event);
}

/* Unregistered at the moment its signal wakes the pool's wait thread, over
 * and over, with the gap between SetEvent and unregister swept from none
 * to 100 us so the wake-up lands before, during and after the unregister.
 * Under Wine 8 with the callback run in the wait thread itself
 * (WT_EXECUTEINWAITTHREAD) this crashed inside ntdll in most runs (see
 * waitable.c); every iteration must end with nothing reported. */
TEST_IMPL(event_unregister_races_signal) {
  eve_poller_t *poller = test_poller(mode);
  HANDLE event = CreateEventW(NULL, TRUE, FALSE, NULL);
  CHECK(event != NULL);
  eve_native_event_t events[4];
  /* 40,000 rounds (about 7 s alone here), or 25 s on a busier machine. */
  uint64_t give_up = test_now_us() + 25u * 1000 * 1000;
  for (int i = 0; i < 40000 && (i % 256 != 0 || test_now_us() < give_up); i++) {
    CHECK_OK(eve_poller_register(poller, h(event), EVE_INTEREST_READ, (uint64_t)i));
    CHECK(SetEvent(event));
    uint64_t until = test_now_us() + (uint64_t)(i % 101);
    while (test_now_us() < until) {
    }
    CHECK_OK(eve_poller_unregister(poller, h(event)));
    CHECK(ResetEvent(event));
    /* The packets of unregistered waits are taken now and then, and
     * report nothing. */
    if (i % 512 == 511) CHECK_EQ(eve_poller_wait(poller, events, 4, 0), 0);
  }
  CHECK_EQ(eve_poller_registration_count(poller), 0);
  CHECK_EQ(eve_poller_wait(poller, events, 4, 50), 0);
  CHECK_OK(eve_poller_dispose(poller));
  CloseHandle(event);
}

/* ---- console input --------------------------------------------------------
 * Wine 8 with no terminal gives a process no working console: stdin from
 * /dev/null is a CHAR handle that is always signalled, and after
 * AllocConsole, CONIN$ refuses WriteConsoleInput. What Wine does honour is a
 * pseudo console (CreatePseudoConsole, Windows 10 1809+): a child started
 * on one opens CONIN$, a real console input buffer, and bytes written to
 * the pseudo console's input pipe arrive there as key events and signal the
 * handle. So this test starts itself again as that child: the child
 * registers CONIN$ and checks the poller reports it readable only once the
 * parent has typed. */
#define CONSOLE_READY_VAR L"EVE_TEST_CONSOLE_READY"

typedef HRESULT(WINAPI *create_pc_fn)(COORD, HANDLE, HANDLE, DWORD, void **);
typedef void(WINAPI *close_pc_fn)(void *);
/* ProcThreadAttributeValue(ProcThreadAttributePseudoConsole = 22, FALSE, TRUE, FALSE) */
#define ATTRIBUTE_PSEUDOCONSOLE 0x00020016u

static void console_child(eve_poller_mode_t mode, const wchar_t *ready_name) {
  HANDLE in = CreateFileW(L"CONIN$", GENERIC_READ | GENERIC_WRITE,
                          FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, 0, NULL);
  CHECK(in != INVALID_HANDLE_VALUE);
  CHECK_EQ(eve_handle_classify(h(in)), EVE_HANDLE_CONSOLE);
  /* The screen buffer is a console handle too, but has no input to wait
   * for: not CONSOLE (console input), and refused. */
  HANDLE out = CreateFileW(L"CONOUT$", GENERIC_READ | GENERIC_WRITE,
                           FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, 0, NULL);
  CHECK(out != INVALID_HANDLE_VALUE);
  CHECK_EQ(eve_handle_classify(h(out)), EVE_HANDLE_UNKNOWN);
  CloseHandle(out);
  /* Whatever the pseudo console put there while starting (terminal
   * replies), so "waiting input" is only what the parent types. */
  CHECK(FlushConsoleInputBuffer(in));
  eve_poller_t *poller = test_poller(mode);
  CHECK_OK(eve_poller_register(poller, h(in), EVE_INTEREST_READ, 21));
  test_expect_quiet(poller);
  HANDLE ready = OpenEventW(EVENT_MODIFY_STATE, FALSE, ready_name);
  CHECK(ready != NULL);
  CHECK(SetEvent(ready));
  CloseHandle(ready);
  CHECK_EQ(test_expect_ready(poller, 21), EVE_READY_READABLE);
  /* Level-triggered: unread input is reported again. */
  CHECK_EQ(test_expect_ready(poller, 21), EVE_READY_READABLE);
  INPUT_RECORD records[16];
  DWORD count = 0;
  for (int i = 0; i < 16 && GetNumberOfConsoleInputEvents(in, &count) && count > 0; i++)
    CHECK(ReadConsoleInputW(in, records, 16, &count));
  CHECK_EQ(count, 0);
  test_expect_quiet(poller);
  CHECK_OK(eve_poller_unregister(poller, h(in)));
  CHECK_OK(eve_poller_dispose(poller));
  CloseHandle(in);
}

typedef struct console_output {
  HANDLE pipe;
  char text[8192];
  size_t length;
} console_output_t;

/* The pseudo console writes its screen to this pipe and stalls if nobody
 * reads it; kept for printing if the child fails. */
static void drain_output(void *arg) {
  console_output_t *out = arg;
  char buffer[512];
  DWORD got;
  while (ReadFile(out->pipe, buffer, sizeof buffer, &got, NULL) && got > 0) {
    for (DWORD i = 0; i < got && out->length + 1 < sizeof out->text; i++)
      if (buffer[i] == '\n' || (buffer[i] >= 32 && buffer[i] < 127))
        out->text[out->length++] = buffer[i];
  }
}

TEST_IMPL(console_input_readable) {
  wchar_t ready_name[64];
  if (GetEnvironmentVariableW(CONSOLE_READY_VAR, ready_name, 64) > 0) {
    console_child(mode, ready_name);
    return;
  }
  HMODULE kernel = GetModuleHandleW(L"kernel32.dll");
  create_pc_fn create_pc =
      (create_pc_fn)(void (*)(void))GetProcAddress(kernel, "CreatePseudoConsole");
  close_pc_fn close_pc = (close_pc_fn)(void (*)(void))GetProcAddress(kernel, "ClosePseudoConsole");
  CHECK(create_pc != NULL && close_pc != NULL);

  HANDLE in_read, in_write, out_read, out_write;
  CHECK(CreatePipe(&in_read, &in_write, NULL, 0));
  CHECK(CreatePipe(&out_read, &out_write, NULL, 0));
  void *console = NULL;
  CHECK_EQ(create_pc((COORD){80, 25}, in_read, out_write, 0, &console), S_OK);
  /* The pseudo console holds its own copies. */
  CloseHandle(in_read);
  CloseHandle(out_write);
  static console_output_t output;
  output.pipe = out_read;
  test_thread_t *drain = test_thread_start(drain_output, &output);

  swprintf(ready_name, 64, L"Local\\eve-console-ready-%lu", (unsigned long)GetCurrentProcessId());
  HANDLE ready = CreateEventW(NULL, TRUE, FALSE, ready_name);
  CHECK(ready != NULL);
  CHECK(SetEnvironmentVariableW(CONSOLE_READY_VAR, ready_name));

  SIZE_T size = 0;
  InitializeProcThreadAttributeList(NULL, 1, 0, &size);
  static unsigned char attributes[256];
  CHECK(size <= sizeof attributes);
  STARTUPINFOEXW startup;
  memset(&startup, 0, sizeof startup);
  startup.StartupInfo.cb = sizeof startup;
  startup.lpAttributeList = (LPPROC_THREAD_ATTRIBUTE_LIST)attributes;
  CHECK(InitializeProcThreadAttributeList(startup.lpAttributeList, 1, 0, &size));
  CHECK(UpdateProcThreadAttribute(startup.lpAttributeList, 0, ATTRIBUTE_PSEUDOCONSOLE, console,
                                  sizeof console, NULL, NULL));
  wchar_t exe[MAX_PATH], command[MAX_PATH + 64];
  CHECK(GetModuleFileNameW(NULL, exe, MAX_PATH) > 0);
  swprintf(command, MAX_PATH + 64, L"\"%ls\" %hs console_input_readable", exe,
           eve_poller_mode_name(mode));
  PROCESS_INFORMATION child;
  CHECK(CreateProcessW(NULL, command, NULL, NULL, FALSE, EXTENDED_STARTUPINFO_PRESENT, NULL, NULL,
                       &startup.StartupInfo, &child));
  HANDLE either[2] = {ready, child.hProcess};
  /* The child got as far as "registered, nothing reported" first. */
  CHECK_EQ(WaitForMultipleObjects(2, either, FALSE, 30000), WAIT_OBJECT_0);
  DWORD written = 0;
  CHECK(WriteFile(in_write, "x", 1, &written, NULL));
  CHECK_EQ(WaitForSingleObject(child.hProcess, 30000), WAIT_OBJECT_0);
  DWORD code = 1;
  CHECK(GetExitCodeProcess(child.hProcess, &code));
  close_pc(console);
  CloseHandle(in_write);
  test_thread_join(drain);
  if (code != 0) fprintf(stderr, "child's console:\n%s\n", output.text);
  CHECK_EQ(code, 0);
  CloseHandle(out_read);
  CloseHandle(child.hProcess);
  CloseHandle(child.hThread);
  CloseHandle(ready);
  DeleteProcThreadAttributeList(startup.lpAttributeList);
}
#endif

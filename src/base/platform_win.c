/* eved's OS needs on Windows. */
#include <windows.h>
#include <psapi.h>

#include "control.h"
#include "platform.h"

int64_t eved_wall_ms(void) {
  /* FILETIME counts 100 ns intervals from 1601-01-01. */
  FILETIME ft;
  GetSystemTimeAsFileTime(&ft);
  uint64_t t = (uint64_t)ft.dwHighDateTime << 32 | ft.dwLowDateTime;
  return (int64_t)(t / 10000) - INT64_C(11644473600000);
}

int64_t eved_monotonic_ms(void) { return (int64_t)GetTickCount64(); }

uint64_t eved_process_id(void) { return (uint64_t)GetCurrentProcessId(); }

uint64_t eved_process_memory_bytes(void) {
  PROCESS_MEMORY_COUNTERS pmc;
  if (!GetProcessMemoryInfo(GetCurrentProcess(), &pmc, sizeof pmc)) return 0;
  return (uint64_t)pmc.WorkingSetSize;
}

/* Wine 8 differs from Windows here: GetProcessHandleCount succeeds but
 * reports 0 (seen under Wine; Windows reports the real count). */
int64_t eved_process_handles(void) {
  DWORD count = 0;
  return GetProcessHandleCount(GetCurrentProcess(), &count) ? (int64_t)count : -1;
}

/* Windows bounds sockets by memory, not by a per-process count. */
uint64_t eved_raise_open_file_limit(void) { return 0; }

/* Runs on a thread the system creates for the event; post_wakeup is safe
 * from any thread. Returning TRUE for a close event lets the process live
 * on only until the handler returns; Windows then ends it (about 5 s), so
 * a console close waits for the drain here, bounded. */
static BOOL WINAPI on_console_event(DWORD event) {
  switch (event) {
    case CTRL_C_EVENT:
    case CTRL_BREAK_EVENT:
    case CTRL_CLOSE_EVENT:
    case CTRL_SHUTDOWN_EVENT: {
      eved_control_post(EVED_CONTROL_STOP);
      if (event == CTRL_CLOSE_EVENT || event == CTRL_SHUTDOWN_EVENT) Sleep(4000);
      return TRUE;
    }
    default:
      return FALSE;
  }
}

int eved_signals_install(void) {
  if (!SetConsoleCtrlHandler(on_console_event, TRUE)) return eve_error_from_os((long)GetLastError());
  return EVE_OK;
}

void eved_signals_uninstall(void) { SetConsoleCtrlHandler(on_console_event, FALSE); }

const char *eved_platform_textfile_dir(void) { return "C:\\ProgramData\\eved\\textfile"; }

/* Which sockets overlapped mode may watch with a zero-byte receive, and on
 * which an inline completion may be trusted to skip the port.
 * Watching must never touch the data, for any socket a caller can create;
 * a socket that fails the test here is watched by WSAPoll instead (sock.c
 * keeps it in the poll set for good).
 *
 * A zero-byte WSARecv waits for data without taking any only on a byte
 * stream. On a message-oriented socket (UDP, connected or not) it is a
 * receive of the next message into a buffer too small for it: "the buffers
 * are filled with the first part of the message ... and WSARecv generates
 * the error WSAEMSGSIZE", the rest being lost for unreliable protocols
 * (WSARecv, learn.microsoft.com/windows/win32/api/winsock2/nf-winsock2-wsarecv).
 * Wine 8 does the same: of two datagrams, one came back as an ERROR event
 * and only the other reached recv.
 *
 * A socket created without WSA_FLAG_OVERLAPPED ignores lpOverlapped ("ignored
 * for nonoverlapped sockets", the same page): the receive runs
 * synchronously, blocking the loop on a blocking socket, and never
 * completes on the port. Winsock offers no query for the flag; the file
 * object's mode says it: such a socket is opened with
 * FILE_SYNCHRONOUS_IO_NONALERT (ws2_32 creates it through NtCreateFile on
 * \Device\Afd, on Windows and in Wine alike), which FileModeInformation
 * reports. A handle that cannot answer (a non-IFS provider's) is not
 * trusted either. */
#include <winternl.h>

#include "test_hooks.h"
#include "win.h"

/* The protocol record says the type too: asking SO_TYPE as well would be
 * one more wineserver round trip per registration under Wine. */
static bool is_stream(SOCKET socket, const WSAPROTOCOL_INFOW *info) {
  if (info != NULL) return info->iSocketType == SOCK_STREAM;
  int type = 0;
  int len = (int)sizeof type;
  return getsockopt(socket, SOL_SOCKET, SO_TYPE, (char *)&type, &len) == 0 &&
         type == SOCK_STREAM;
}

static bool is_overlapped(SOCKET socket) {
  IO_STATUS_BLOCK io;
  FILE_MODE_INFORMATION mode;
  NTSTATUS status =
      NtQueryInformationFile((HANDLE)socket, &io, &mode, sizeof mode, FileModeInformation);
  return status == 0 &&
         (mode.Mode & (FILE_SYNCHRONOUS_IO_ALERT | FILE_SYNCHRONOUS_IO_NONALERT)) == 0;
}

bool eve__sock_protocol(SOCKET socket, WSAPROTOCOL_INFOW *info) {
  int len = (int)sizeof *info;
  return getsockopt(socket, SOL_SOCKET, SO_PROTOCOL_INFOW, (char *)info, &len) == 0;
}

bool eve__sock_receive_safe(SOCKET socket, const WSAPROTOCOL_INFOW *info) {
  return is_stream(socket, info) && is_overlapped(socket);
}

/* FILE_SKIP_COMPLETION_PORT_ON_SUCCESS "is only compatible with Layered
 * Service Providers (LSP) that return Installable File Systems (IFS)
 * handles ... If the XP1_IFS_HANDLES (0x20000) bit is cleared then the
 * specified LSP is not an IFS LSP" (SetFileCompletionNotificationModes,
 * learn.microsoft.com/windows/win32/api/winbase/nf-winbase-setfilecompletionnotificationmodes).
 * On such a socket the call may succeed and completions still be queued;
 * trusting it would take an inline completion for "no packet coming" and
 * free a sock its packet still points at. libuv asks the same question
 * before it sets the mode. Wine has no layered providers. */
bool eve__skip_on_success_safe(const WSAPROTOCOL_INFOW *info, bool mode_set) {
  return info != NULL && (info->dwServiceFlags1 & XP1_IFS_HANDLES) != 0 && mode_set;
}

bool eve__sock_skip_on_success(SOCKET socket, const WSAPROTOCOL_INFOW *asked) {
  WSAPROTOCOL_INFOW info;
  bool have_info = asked != NULL || eve__sock_protocol(socket, &info);
  if (asked != NULL) info = *asked;
  if (have_info && EVE__TEST_FLAG(non_ifs_provider)) info.dwServiceFlags1 &= ~XP1_IFS_HANDLES;
  const WSAPROTOCOL_INFOW *known = have_info ? &info : NULL;
  /* Asked first, so the mode is never set where it cannot be trusted. */
  if (!eve__skip_on_success_safe(known, true)) return false;
  bool set = SetFileCompletionNotificationModes(
                 (HANDLE)socket,
                 FILE_SKIP_COMPLETION_PORT_ON_SUCCESS | FILE_SKIP_SET_EVENT_ON_HANDLE) != 0;
  return eve__skip_on_success_safe(known, set);
}

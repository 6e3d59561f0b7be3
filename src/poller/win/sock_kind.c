/* Which sockets overlapped mode may watch with a zero-byte receive.
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

#include "win.h"

static bool is_stream(SOCKET socket) {
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

bool eve__sock_receive_safe(SOCKET socket) {
  return is_stream(socket) && is_overlapped(socket);
}

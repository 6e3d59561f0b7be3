/* GetLastError() and WSAGetLastError() values to eve errors: the one place
 * Windows errors are translated. Both share one number space (WSA codes
 * start at 10000), so one switch serves both. */
#include <winsock2.h>
#include <windows.h>

#include "eve_error.h"

int eve_error_from_os(long os_error) {
  switch (os_error) {
    case 0:
    /* A client connected between CreateNamedPipe and ConnectNamedPipe: the
     * connection the caller asked for exists, so this is success. */
    case ERROR_PIPE_CONNECTED:
      return EVE_OK;
    case ERROR_INVALID_PARAMETER:
    case WSAEINVAL:
    case WSAEFAULT:
      return EVE_EINVAL;
    case ERROR_INVALID_HANDLE:
    case WSAENOTSOCK:
    case WSAEBADF:
      return EVE_EBADF;
    case ERROR_ALREADY_EXISTS:
    case ERROR_FILE_EXISTS:
      return EVE_EEXIST;
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
      return EVE_ENOENT;
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
    case ERROR_NO_SYSTEM_RESOURCES:
      return EVE_ENOMEM;
    case WSAEWOULDBLOCK:
    case ERROR_NO_DATA: /* a non-blocking pipe with nothing to read */
    case ERROR_PIPE_BUSY:
      return EVE_EAGAIN;
    case ERROR_IO_PENDING:
    case ERROR_IO_INCOMPLETE:
    case WSAEINPROGRESS:
    case WSAEALREADY:
      return EVE_EPENDING;
    case WSAECONNREFUSED:
    case ERROR_CONNECTION_REFUSED:
      return EVE_ECONNREFUSED;
    case WSAECONNRESET:
    case ERROR_NETNAME_DELETED: /* an overlapped socket operation's reset */
      return EVE_ECONNRESET;
    case WSAECONNABORTED:
    case ERROR_CONNECTION_ABORTED:
      return EVE_ECONNABORTED;
    case ERROR_BROKEN_PIPE:
    case ERROR_PIPE_NOT_CONNECTED:
    case ERROR_BAD_PIPE:
    case WSAESHUTDOWN:
      return EVE_EPIPE;
    case WSAENOTCONN:
      return EVE_ENOTCONN;
    case WSAETIMEDOUT:
    case ERROR_SEM_TIMEOUT:
    case WAIT_TIMEOUT:
      return EVE_ETIMEDOUT;
    case WSAEADDRINUSE:
      return EVE_EADDRINUSE;
    case WSAEADDRNOTAVAIL:
      return EVE_EADDRNOTAVAIL;
    case ERROR_ACCESS_DENIED:
    case WSAEACCES:
      return EVE_EACCES;
    case ERROR_OPERATION_ABORTED:
      return EVE_ECANCELED; /* also WSA_OPERATION_ABORTED: the same value */
    case WSAEINTR:
      return EVE_EINTR;
    case ERROR_TOO_MANY_OPEN_FILES:
    case WSAEMFILE:
      return EVE_EMFILE;
    case WSAENOBUFS:
      return EVE_ENOBUFS;
    case ERROR_HANDLE_EOF:
      return EVE_EOF_;
    case ERROR_NOT_SUPPORTED:
    case ERROR_INVALID_FUNCTION:
    case WSAEOPNOTSUPP:
    case WSAEAFNOSUPPORT:
    case WSAEPROTONOSUPPORT:
      return EVE_ENOTSUP;
    case WSAENETUNREACH:
    case WSAENETDOWN:
    case ERROR_NETWORK_UNREACHABLE:
      return EVE_ENETUNREACH;
    case WSAEHOSTUNREACH:
    case ERROR_HOST_UNREACHABLE:
      return EVE_EHOSTUNREACH;
    case ERROR_GEN_FAILURE:
    case ERROR_CRC:
    case ERROR_READ_FAULT:
    case ERROR_WRITE_FAULT:
      return EVE_EIO;
    default:
      return EVE_EUNKNOWN;
  }
}

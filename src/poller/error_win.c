/* GetLastError() and WSAGetLastError() values to eve errors: the one place
 * Windows errors are translated. Both share one number space (WSA codes
 * start at 10000), so one switch serves both. Audited entry by entry
 * against what each code means where eve meets it (sockets, pipes,
 * completions); libuv's uv_translate_sys_error was the cross-check, and
 * where eve differs the entry says why. A completion's NTSTATUS arrives
 * here through RtlNtStatusToDosError. */
#include <winsock2.h>
#include <windows.h>

#include <eve/eve_error.h>

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
    case ERROR_NOACCESS:             /* a bad buffer address: WSAEFAULT's twin */
    case ERROR_INVALID_USER_BUFFER:
    case WSANOTINITIALISED:          /* no WSAStartup: a caller's mistake */
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
    case ERROR_NOT_FOUND: /* CancelIoEx: no such operation in flight */
      return EVE_ENOENT;
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
    case ERROR_NO_SYSTEM_RESOURCES:
    case ERROR_NOT_ENOUGH_QUOTA:
      return EVE_ENOMEM;
    /* ERROR_NO_DATA is not here: it is "the pipe is being closed", what a
     * write to a pipe whose reader left gets. As EAGAIN a writer retried
     * for ever; it is EPIPE below. (A PIPE_NOWAIT read with nothing to
     * read also returns it, but eve's pipes are overlapped, never
     * PIPE_NOWAIT.) ERROR_PIPE_BUSY: every instance is taken; trying again
     * later is the answer, as WaitNamedPipe does. libuv says EBUSY, which
     * eve does not have. */
    case WSAEWOULDBLOCK:
    case ERROR_PIPE_BUSY:
      return EVE_EAGAIN;
    case ERROR_IO_PENDING:
    case ERROR_IO_INCOMPLETE:
    case WSAEINPROGRESS:
    case WSAEALREADY:
      return EVE_EPENDING;
    case WSAECONNREFUSED:
    case ERROR_CONNECTION_REFUSED:
    /* An ICMP port-unreachable seen by a connected datagram socket's
     * overlapped receive: what Linux reports as ECONNREFUSED there. */
    case ERROR_PORT_UNREACHABLE:
      return EVE_ECONNREFUSED;
    case WSAECONNRESET:
    case ERROR_NETNAME_DELETED: /* an overlapped socket operation's reset */
    /* The connection broke while an operation was in progress (keep-alive
     * failure), or a datagram's TTL expired: the peer is gone either way. */
    case WSAENETRESET:
      return EVE_ECONNRESET;
    case WSAECONNABORTED:
    case ERROR_CONNECTION_ABORTED:
      return EVE_ECONNABORTED;
    /* libuv reads ERROR_BROKEN_PIPE as end of file, which it is for a
     * reader; eve reports it as the pipe's end for readers and writers
     * alike, and eved's admin pipe treats EPIPE as the client gone. */
    case ERROR_BROKEN_PIPE:
    case ERROR_PIPE_NOT_CONNECTED:
    case ERROR_BAD_PIPE:
    case ERROR_NO_DATA:
    case WSAESHUTDOWN:
      return EVE_EPIPE;
    case WSAENOTCONN:
    case ERROR_CONNECTION_INVALID: /* an overlapped socket's WSAENOTCONN */
    case ERROR_NOT_CONNECTED:
      return EVE_ENOTCONN;
    case WSAETIMEDOUT:
    case ERROR_SEM_TIMEOUT:
    case ERROR_TIMEOUT:
    case WAIT_TIMEOUT:
      return EVE_ETIMEDOUT;
    case WSAEADDRINUSE:
    case ERROR_ADDRESS_ALREADY_ASSOCIATED:
      return EVE_EADDRINUSE;
    case WSAEADDRNOTAVAIL:
      return EVE_EADDRNOTAVAIL;
    case ERROR_ACCESS_DENIED:
    case WSAEACCES:
    case ERROR_PRIVILEGE_NOT_HELD:
      return EVE_EACCES;
    case ERROR_OPERATION_ABORTED: /* also WSA_OPERATION_ABORTED: the same value */
    case ERROR_CANCELLED:
    case ERROR_REQUEST_ABORTED:
      return EVE_ECANCELED;
    case WSAEINTR:
      return EVE_EINTR;
    case ERROR_TOO_MANY_OPEN_FILES:
    case WSAEMFILE:
      return EVE_EMFILE;
    case WSAENOBUFS:
      return EVE_ENOBUFS;
    case ERROR_HANDLE_EOF:
    case WSAEDISCON: /* a message-oriented peer's graceful close */
      return EVE_EOF_;
    /* Not an error of the operation: a message (a datagram, a
     * message-mode pipe's message) was larger than the buffer, which was
     * filled. A pipe keeps the rest for the next read (ERROR_MORE_DATA); a
     * datagram's rest is gone (WSAEMSGSIZE). A completion with this status
     * is reported as data, not as a failure (wait.c). */
    case ERROR_MORE_DATA:
    case WSAEMSGSIZE:
      return EVE_EMSGSIZE;
    case ERROR_NOT_SUPPORTED:
    case ERROR_INVALID_FUNCTION:
    case WSAEOPNOTSUPP:
    case WSAEAFNOSUPPORT:
    case WSAEPROTONOSUPPORT:
    case WSAESOCKTNOSUPPORT:
    case WSAEPFNOSUPPORT:
    case WSAENOPROTOOPT:
      return EVE_ENOTSUP;
    case WSAENETUNREACH:
    case WSAENETDOWN:
    case ERROR_NETWORK_UNREACHABLE:
      return EVE_ENETUNREACH;
    case WSAEHOSTUNREACH:
    case ERROR_HOST_UNREACHABLE:
    case WSAEHOSTDOWN: /* no route to a host that is down: the same news */
      return EVE_EHOSTUNREACH;
    case ERROR_UNEXP_NET_ERR:
    case ERROR_GEN_FAILURE:
    case ERROR_CRC:
    case ERROR_READ_FAULT:
    case ERROR_WRITE_FAULT:
      return EVE_EIO;
    default:
      return EVE_EUNKNOWN;
  }
}

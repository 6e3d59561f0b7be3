/* Windows: the error table, entry by entry where a review found it wrong,
 * and what a completion's status becomes. */
#ifdef _WIN32
#include <winternl.h>

#include "test.h"
#include "test_win_util.h"

#ifndef STATUS_BUFFER_OVERFLOW
#define STATUS_BUFFER_OVERFLOW ((NTSTATUS)0x80000005L)
#endif

/* Finding: codes that fell to EVE_EUNKNOWN or to the wrong meaning. */
TEST_IMPL(error_table_audited) {
  (void)mode;
  /* A pipe being closed: retrying a write would spin for ever. */
  CHECK_EQ(eve_error_from_os(ERROR_NO_DATA), EVE_EPIPE);
  /* A message larger than the buffer: bytes did arrive. */
  CHECK_EQ(eve_error_from_os(ERROR_MORE_DATA), EVE_EMSGSIZE);
  CHECK_EQ(eve_error_from_os(WSAEMSGSIZE), EVE_EMSGSIZE);
  /* ICMP port unreachable on a connected datagram socket. */
  CHECK_EQ(eve_error_from_os(ERROR_PORT_UNREACHABLE), EVE_ECONNREFUSED);
  CHECK_EQ(eve_error_from_os(WSAENETRESET), EVE_ECONNRESET);
  CHECK_EQ(eve_error_from_os(WSAEHOSTDOWN), EVE_EHOSTUNREACH);
  /* CancelIoEx with nothing to cancel. */
  CHECK_EQ(eve_error_from_os(ERROR_NOT_FOUND), EVE_ENOENT);
  CHECK_EQ(eve_error_from_os(ERROR_CANCELLED), EVE_ECANCELED);
  CHECK_EQ(eve_error_from_os(ERROR_REQUEST_ABORTED), EVE_ECANCELED);
  CHECK_EQ(eve_error_from_os(ERROR_TIMEOUT), EVE_ETIMEDOUT);
  CHECK_EQ(eve_error_from_os(ERROR_CONNECTION_INVALID), EVE_ENOTCONN);
  CHECK_EQ(eve_error_from_os(ERROR_NOT_CONNECTED), EVE_ENOTCONN);
  CHECK_EQ(eve_error_from_os(ERROR_ADDRESS_ALREADY_ASSOCIATED), EVE_EADDRINUSE);
  CHECK_EQ(eve_error_from_os(ERROR_PRIVILEGE_NOT_HELD), EVE_EACCES);
  CHECK_EQ(eve_error_from_os(ERROR_NOACCESS), EVE_EINVAL);
  CHECK_EQ(eve_error_from_os(ERROR_INVALID_USER_BUFFER), EVE_EINVAL);
  CHECK_EQ(eve_error_from_os(ERROR_NOT_ENOUGH_QUOTA), EVE_ENOMEM);
  CHECK_EQ(eve_error_from_os(WSAEDISCON), EVE_EOF_);
  CHECK_EQ(eve_error_from_os(WSAESOCKTNOSUPPORT), EVE_ENOTSUP);
  CHECK_EQ(eve_error_from_os(WSAEPFNOSUPPORT), EVE_ENOTSUP);
  CHECK_EQ(eve_error_from_os(WSAENOPROTOOPT), EVE_ENOTSUP);
  CHECK_EQ(eve_error_from_os(WSANOTINITIALISED), EVE_EINVAL);
  CHECK_EQ(eve_error_from_os(ERROR_UNEXP_NET_ERR), EVE_EIO);
  CHECK_EQ(eve_error_from_os(ERROR_NETNAME_DELETED), EVE_ECONNRESET);
  /* The new code has a name and a message like every other. */
  CHECK(eve_strerror(EVE_EMSGSIZE) != eve_strerror(EVE_EUNKNOWN));
}

/* Posts a completion for `entry` as the kernel would queue it: the final
 * status in Internal, the byte count in the packet, the caller's key. */
static void post_completion(eve_poller_t *poller, eve_overlapped_entry_t *entry, NTSTATUS status,
                            DWORD bytes) {
  entry->overlapped.Internal = (ULONG_PTR)status;
  entry->overlapped.InternalHigh = bytes;
  CHECK(PostQueuedCompletionStatus((HANDLE)eve_poller_handle(poller).raw, bytes, 7,
                                   &entry->overlapped));
}

/* Finding: a partial message read (STATUS_BUFFER_OVERFLOW, which is
 * ERROR_MORE_DATA) was reported as a failed read although the buffer was
 * filled; the rest of the message waits for the next read. */
TEST_IMPL(completion_partial_message_is_data) {
  eve_poller_t *poller = test_poller(mode);
  eve_overlapped_entry_t *entry = test_entry(poller, NULL, EVE_IO_READ, 41);
  post_completion(poller, entry, STATUS_BUFFER_OVERFLOW, 4);
  eve_native_event_t event = test_wait_completion(poller, entry);
  CHECK_EQ(event.events, EVE_EV_IN);
  CHECK_EQ(entry->status, EVE_EMSGSIZE);
  CHECK_EQ(entry->bytes_transferred, 4);
  eve_overlapped_pool_release(eve_poller_overlapped_pool(poller), entry);
  CHECK_OK(eve_poller_dispose(poller));
}

/* Finding: a ConnectEx completion was reported as readable where epoll
 * reports a finished connect as writable. */
TEST_IMPL(completion_connect_is_writable) {
  eve_poller_t *poller = test_poller(mode);
  eve_overlapped_entry_t *entry = test_entry(poller, NULL, EVE_IO_CONNECT, 42);
  post_completion(poller, entry, 0, 0);
  eve_native_event_t event = test_wait_completion(poller, entry);
  CHECK_EQ(event.events, EVE_EV_OUT);
  CHECK_EQ(entry->status, 0);
  eve_overlapped_pool_release(eve_poller_overlapped_pool(poller), entry);
  CHECK_OK(eve_poller_dispose(poller));
}
#endif

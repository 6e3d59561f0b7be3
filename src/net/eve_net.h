/* eve's thin socket layer: the few TCP operations eved needs, with every
 * platform difference (BSD sockets vs Winsock) kept behind it. Sockets are
 * eve_handle_t values, so they go straight to the poller. All sockets this
 * layer hands out are non-blocking. Errors are negative eve error codes;
 * EVE_EAGAIN means "would block, wait for readiness". */
#ifndef EVE_NET_H_
#define EVE_NET_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <eve/eve_error.h>
#include <eve/eve_poller.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Room for "[v6-address]:65535" and its terminator. */
#define EVE_NET_ADDRESS_TEXT_MAX 64

/* A parsed numeric listen address. */
typedef struct eve_net_address {
  int family;            /* 4 or 6 */
  uint8_t bytes[16];     /* network order; the first 4 for IPv4 */
  uint16_t port;
} eve_net_address_t;

/* Parses "host:port": a dotted IPv4 address, "[IPv6]" in brackets, or
 * "localhost" (127.0.0.1). Names are not resolved: a listen address must
 * mean one thing. Port 0 asks the OS for a free port. EVE_EINVAL otherwise. */
int eve_net_address_parse(const char *text, eve_net_address_t *out);

/* Formats an address back to "host:port" (IPv6 in brackets). */
void eve_net_address_format(const eve_net_address_t *address, char *buf, size_t size);

/* One piece of a gathered send. */
typedef struct eve_net_buf {
  const void *data;
  size_t len;
} eve_net_buf_t;

/* Most pieces one eve_net_send call passes to the OS. */
#define EVE_NET_MAX_BUFS 16

/* A non-blocking listening socket bound to the address, with address reuse
 * as each OS means it (SO_REUSEADDR on POSIX, SO_EXCLUSIVEADDRUSE on
 * Windows, where SO_REUSEADDR would let another process steal the port).
 * An IPv6 listener accepts IPv6 only. */
int eve_net_listen(const eve_net_address_t *address, int backlog, eve_handle_t *out);

/* The address a socket is bound to (after port 0, the port chosen). */
int eve_net_local_address(eve_handle_t sock, eve_net_address_t *out);
/* The address of a connected socket's peer. */
int eve_net_peer_address(eve_handle_t sock, eve_net_address_t *out);

/* Accepts one pending connection as a non-blocking socket with Nagle off.
 * EVE_EAGAIN when the backlog is empty. Errors that belong to the one
 * connection (it was reset before accept) are EVE_ECONNABORTED: the caller
 * just goes on to the next. */
int eve_net_accept(eve_handle_t listener, eve_handle_t *out);

/* Receives up to len bytes into buf; *got is set on success. EVE_EOF_ when
 * the peer has closed its side, EVE_EAGAIN when nothing is there. */
int eve_net_recv(eve_handle_t sock, void *buf, size_t len, size_t *got);

/* Sends the pieces in order as one gathered write (writev, WSASend), at
 * most EVE_NET_MAX_BUFS of them; *sent is how many bytes went out, which
 * may be fewer than offered. EVE_EAGAIN when none could be sent. */
int eve_net_send(eve_handle_t sock, const eve_net_buf_t *bufs, size_t count, size_t *sent);

/* Shuts down the sending side: the peer reads the rest and then EOF, while
 * this side can still read (for a lingering close). */
int eve_net_shutdown_write(eve_handle_t sock);

/* Closes the socket. Unregister it from the poller first. */
int eve_net_close(eve_handle_t sock);

/* Closes at once with a reset (SO_LINGER 0): for peers that are dropped,
 * so no buffered output keeps the socket alive in the kernel. */
int eve_net_abort(eve_handle_t sock);

#ifdef __cplusplus
}
#endif

#endif /* EVE_NET_H_ */

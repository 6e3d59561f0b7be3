/* The socket calls of eve_net.h on fake_net (see fake_net.h). The handle is
 * a real descriptor the harness registered with the real poller (so
 * eve_poller_modify/unregister behave as in eved); only its I/O is fake.
 * The listener calls are not used by the harness and refuse. */
#include <string.h>
#include <unistd.h>

#include "eve_net.h"
#include "fake_net.h"

fake_net_t fake_net;

void fake_net_reset(const uint8_t *input, size_t len) {
  memset(&fake_net, 0, offsetof(fake_net_t, output));
  fake_net.input = input;
  fake_net.input_len = len;
  fake_net.output_len = 0;
  fake_net.output_total = 0;
  fake_net.write_shut = fake_net.closed = fake_net.aborted = false;
}

int eve_net_listen(const eve_net_address_t *address, int backlog, eve_handle_t *out) {
  (void)address, (void)backlog, (void)out;
  return EVE_ENOTSUP;
}

int eve_net_local_address(eve_handle_t sock, eve_net_address_t *out) {
  (void)sock;
  return eve_net_address_parse("127.0.0.1:80", out);
}

int eve_net_peer_address(eve_handle_t sock, eve_net_address_t *out) {
  (void)sock;
  return eve_net_address_parse("127.0.0.1:40000", out);
}

int eve_net_accept(eve_handle_t listener, eve_handle_t *out) {
  (void)listener, (void)out;
  return EVE_EAGAIN;
}

int eve_net_recv(eve_handle_t sock, void *buf, size_t len, size_t *got) {
  (void)sock;
  if (fake_net.peer_reset) return EVE_ECONNRESET;
  size_t ready = fake_net.readable - fake_net.consumed;
  if (ready == 0) {
    bool all_sent = fake_net.readable == fake_net.input_len;
    return all_sent && fake_net.peer_eof ? EVE_EOF_ : EVE_EAGAIN;
  }
  size_t n = ready < len ? ready : len;
  memcpy(buf, fake_net.input + fake_net.consumed, n);
  fake_net.consumed += n;
  *got = n;
  return EVE_OK;
}

int eve_net_send(eve_handle_t sock, const eve_net_buf_t *bufs, size_t count, size_t *sent) {
  (void)sock;
  if (fake_net.peer_reset) return EVE_ECONNRESET;
  if (fake_net.write_shut) return EVE_EPIPE;
  if (count > EVE_NET_MAX_BUFS) count = EVE_NET_MAX_BUFS;
  size_t total = 0;
  for (size_t i = 0; i < count && fake_net.send_budget > 0; i++) {
    size_t n = bufs[i].len < fake_net.send_budget ? bufs[i].len : fake_net.send_budget;
    size_t room = FAKE_NET_OUTPUT_MAX - fake_net.output_len;
    size_t keep = n < room ? n : room;
    memcpy(fake_net.output + fake_net.output_len, bufs[i].data, keep);
    fake_net.output_len += keep;
    fake_net.output_total += n;
    fake_net.send_budget -= n;
    total += n;
    if (n < bufs[i].len) break;
  }
  if (total == 0) return EVE_EAGAIN;
  *sent = total;
  return EVE_OK;
}

int eve_net_shutdown_write(eve_handle_t sock) {
  (void)sock;
  fake_net.write_shut = true;
  return EVE_OK;
}

int eve_net_close(eve_handle_t sock) {
  fake_net.closed = true;
  return close((int)(intptr_t)sock.raw) == 0 ? EVE_OK : EVE_EBADF;
}

int eve_net_abort(eve_handle_t sock) {
  fake_net.aborted = true;
  return eve_net_close(sock);
}

/* An in-memory stand-in for src/net, linked into the fuzzers instead of
 * net_posix.c and sockaddr.c, so a connection runs through conn.c's real
 * state machine with no socket: the harness decides what each recv returns
 * and how much each send takes, and collects what eved sends. One
 * connection at a time. */
#ifndef EVE_FUZZ_FAKE_NET_H_
#define EVE_FUZZ_FAKE_NET_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* eved's output beyond this is counted but not kept. */
#define FAKE_NET_OUTPUT_MAX (1024 * 1024)

typedef struct fake_net {
  const uint8_t *input;  /* what the client sends, in full */
  size_t input_len;
  size_t readable;       /* how much of it has "arrived" so far */
  size_t consumed;       /* how much eved has read */
  bool peer_eof;         /* the client closed its side after the input */
  bool peer_reset;       /* the next recv and send fail with a reset */
  size_t send_budget;    /* bytes the next sends may take in total */
  uint8_t output[FAKE_NET_OUTPUT_MAX];
  size_t output_len;
  size_t output_total;
  bool write_shut;
  bool closed;
  bool aborted;
} fake_net_t;

/* The one connection's state; the harness resets it per input. */
extern fake_net_t fake_net;

void fake_net_reset(const uint8_t *input, size_t len);

#endif /* EVE_FUZZ_FAKE_NET_H_ */

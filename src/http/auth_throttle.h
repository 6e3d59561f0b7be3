/* Failed logins per client, so a password-guessing client cannot keep
 * the verifier busy: a client (an IPv4 address, or an IPv6 /64, what one
 * host or one site usually holds) may fail EVED_AUTH_FAILURE_BURST times
 * at once and then once per EVED_AUTH_FAILURE_REFILL_MS; beyond that its
 * requests with credentials are answered 429 before any bcrypt run. A
 * token bucket kept as the time it is full again (GCRA), one entry per
 * client that failed recently, in a table of EVED_AUTH_CLIENTS_MAX: when
 * it is full, the entry closest to full is dropped (the bound hit). The
 * loop's alone. */
#ifndef EVED_AUTH_THROTTLE_H_
#define EVED_AUTH_THROTTLE_H_

#include <stdbool.h>
#include <stdint.h>

#include "eve_net.h"

#define EVED_AUTH_CLIENTS_MAX 256
#define EVED_AUTH_FAILURE_BURST 10
#define EVED_AUTH_FAILURE_REFILL_MS 6000

typedef struct eved_auth_client {
  uint8_t key[9];      /* family, then the address's first 4 (IPv4) or 8 (IPv6) bytes */
  int64_t full_at_ms;  /* when the bucket is full again; past: a free entry */
} eved_auth_client_t;

typedef struct eved_auth_throttle {
  eved_auth_client_t clients[EVED_AUTH_CLIENTS_MAX];
  size_t count;
} eved_auth_throttle_t;

/* 0 when the client may try now; otherwise the seconds until it may
 * (at least 1), for Retry-After (RFC 9110 10.2.3). */
uint32_t eved_auth_throttle_wait_s(eved_auth_throttle_t *t, const eve_net_address_t *peer,
                                   int64_t now_ms);
/* Records a failure; true when that dropped another client (the bound). */
bool eved_auth_throttle_fail(eved_auth_throttle_t *t, const eve_net_address_t *peer,
                             int64_t now_ms);

#endif /* EVED_AUTH_THROTTLE_H_ */

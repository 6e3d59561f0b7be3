/* Basic auth on the loop (docs/security.md): the gate every parsed
 * request passes when users are configured, and the answers to the
 * requests that waited for the verifier. The loop never runs bcrypt: a
 * request whose credentials are not cached waits, parked like a scrape,
 * its connection's input paused (so pipelined requests keep their
 * order), while auth_verifier.c's threads run it. Checks, in order, each
 * cheaper than the next: the field (missing, malformed: 401), the
 * client's failures (auth_throttle.c: 429 without a bcrypt run), the
 * cache of successes (auth_cache.c), then the verifier (its queue full:
 * 503). An unknown user is verified against a stand-in hash of the
 * highest configured cost, so the time of a 401 does not tell which
 * users exist. */
#include <string.h>

#include "log.h"
#include "secret.h"
#include "server_int.h"

/* RFC 7617 2.1: charset="UTF-8" tells clients to send the user-id and
 * password as UTF-8, the only value the parameter may take. */
const char eved__auth_challenge[] = "Basic realm=\"eved\", charset=\"UTF-8\"";

/* A 401, 429 or 503 to a request that passed no further, counted. */
static eved_auth_gate_t refuse(eved_conn_t *c, eved_auth_result_t result, bool keep_alive,
                               bool head_only, uint32_t retry_after_s) {
  eved_server_t *s = c->server;
  eved_response_t r = {.content_type = "text/plain; charset=utf-8",
                       .head_only = head_only,
                       .keep_alive = keep_alive,
                       .retry_after_s = retry_after_s};
  if (result == EVED_AUTH_THROTTLED) {
    r.status = EVED_STATUS_429;
    r.body = "too many failed logins: try again later\n";
  } else if (result == EVED_AUTH_BUSY) {
    r.status = EVED_STATUS_503;
    r.body = "credentials cannot be checked now: try again\n";
  } else {
    r.status = EVED_STATUS_401;
    r.www_authenticate = true;
    r.body = "unauthorized\n";
  }
  r.body_len = strlen(r.body);
  s->counters.auth[result]++;
  s->counters.requests_total++;
  s->counters.by_status[r.status]++;
  if (!keep_alive) c->closing = true;
  return eved__response_queue(c, &r) ? EVED_AUTH_GATE_ANSWERED : EVED_AUTH_GATE_FAILED;
}

static const eve_net_address_t *peer_of(eved_conn_t *c) {
  if (!c->peer_known) {
    /* Unknown (the socket already failed): all such clients share one
     * entry, family 0. */
    if (eve_net_peer_address(c->sock, &c->peer) != EVE_OK) memset(&c->peer, 0, sizeof c->peer);
    c->peer_known = true;
  }
  return &c->peer;
}

static const eved_auth_user_t *find_user(const eved_config_t *cfg, const char *name) {
  for (size_t i = 0; i < cfg->auth_user_count; i++)
    if (strcmp(cfg->auth_users[i].name, name) == 0) return &cfg->auth_users[i];
  return NULL;
}

/* The stand-in for an unknown user: a valid bcrypt setting of the highest
 * configured cost, whose hash no password is known to give. */
static void stand_in_hash(const eved_config_t *cfg, char out[EVED_AUTH_HASH_LEN + 1]) {
  static const char rest[] = "abcdefghijklmnopqrstuvABCDEFGHIJKLMNOPQRSTUVWXYZ01234";
  _Static_assert(sizeof rest == EVED_AUTH_HASH_LEN - 7 + 1, "bcrypt: 53 characters after the cost");
  char cost[2] = {'0', '4'};
  for (size_t i = 0; i < cfg->auth_user_count; i++) {
    const char *h = cfg->auth_users[i].hash;
    /* Two digits each (config_auth.c): compared as text. */
    if (h[4] > cost[0] || (h[4] == cost[0] && h[5] > cost[1])) {
      cost[0] = h[4];
      cost[1] = h[5];
    }
  }
  memcpy(out, "$2y$", 4);
  out[4] = cost[0];
  out[5] = cost[1];
  out[6] = '$';
  memcpy(out + 7, rest, sizeof rest); /* 53 characters and the NUL */
}

eved_auth_gate_t eved__auth_gate(eved_conn_t *c, eved_path_t path, llhttp_method_t method,
                                 bool keep_alive) {
  eved_server_t *s = c->server;
  const eved_config_t *cfg = &s->config;
  if (cfg->auth_user_count == 0) return EVED_AUTH_GATE_PASS;
  if (path == EVED_PATH_HEALTHZ && !cfg->auth_protect_healthz) return EVED_AUTH_GATE_PASS;
  bool head_only = method == HTTP_HEAD;
  if (c->auth_count == 0) return refuse(c, EVED_AUTH_MISSING, keep_alive, head_only, 0);
  eved_auth_credentials_t cred;
  /* RFC 9110 11.6.2: one Authorization field; a list is malformed. */
  if (c->auth_count > 1 || c->auth_value_len > sizeof c->auth_value ||
      !eved_auth_header_parse(c->auth_value, c->auth_value_len, &cred)) {
    eved_secret_wipe(c->auth_value, sizeof c->auth_value);
    return refuse(c, EVED_AUTH_MALFORMED, keep_alive, head_only, 0);
  }
  eved_secret_wipe(c->auth_value, sizeof c->auth_value);
  uint32_t wait_s = eved_auth_throttle_wait_s(&s->auth_throttle, peer_of(c), s->now_ms);
  eved_auth_gate_t gate;
  if (wait_s > 0) {
    gate = refuse(c, EVED_AUTH_THROTTLED, keep_alive, head_only, wait_s);
    eved_secret_wipe(&cred, sizeof cred);
    return gate;
  }
  const eved_auth_user_t *user = find_user(cfg, cred.text);
  char stand_in[EVED_AUTH_HASH_LEN + 1];
  if (user == NULL) stand_in_hash(cfg, stand_in);
  const char *hash = user != NULL ? user->hash : stand_in;
  unsigned char digest[EVED_AUTH_DIGEST_SIZE];
  eved_auth_cache_digest(&s->auth_cache, cred.text, hash, cred.password, digest);
  if (user != NULL && eved_auth_cache_find(&s->auth_cache, digest)) {
    eved_secret_wipe(&cred, sizeof cred);
    s->counters.auth[EVED_AUTH_OK]++;
    return EVED_AUTH_GATE_PASS;
  }
  /* The token's low half names the slot, its high half this wait. */
  uint64_t token = (uint64_t)++s->auth_tokens << 32 | c->slot;
  bool queued = s->verifier != NULL && cred.password_len <= EVED_BCRYPT_PASSWORD_MAX &&
                eved_verifier_submit(s->verifier, token, hash, cred.password, digest);
  bool too_long = cred.password_len > EVED_BCRYPT_PASSWORD_MAX;
  eved_secret_wipe(&cred, sizeof cred);
  eved_secret_wipe(digest, sizeof digest);
  if (too_long) {
    /* bcrypt would ignore the tail: never a match (bcrypt_check.h). */
    eved_auth_throttle_fail(&s->auth_throttle, peer_of(c), s->now_ms);
    return refuse(c, EVED_AUTH_BAD_CREDENTIALS, keep_alive, head_only, 0);
  }
  if (!queued) {
    eved__limit_hit(s, EVED_LIMIT_AUTH_QUEUE,
                    "connection %u: 503, %d bcrypt verifications already queued or running",
                    c->slot, EVED_VERIFIER_JOBS);
    return refuse(c, EVED_AUTH_BUSY, keep_alive, head_only, 1);
  }
  s->counters.auth_verifications++;
  c->auth_waiting = true;
  c->auth_known_user = user != NULL;
  c->auth_users_gen = s->auth_users_gen;
  c->auth_token = token;
  c->auth_due_ms = s->now_ms + cfg->header_timeout_ms;
  c->auth_path = path;
  c->auth_method = method;
  c->auth_keep_alive = keep_alive;
  s->auth_waiting++;
  return EVED_AUTH_GATE_WAITING;
}

/* Answers a waiting request: served when verified, else 401 (a failure
 * for the throttle) or, when out of time, 503. */
static void finish(eved_conn_t *c, bool verified, bool timed_out) {
  eved_server_t *s = c->server;
  c->auth_waiting = false;
  s->auth_waiting--;
  bool keep_alive = c->auth_keep_alive, head_only = c->auth_method == HTTP_HEAD;
  bool queued;
  if (timed_out) {
    eved__limit_hit(s, EVED_LIMIT_AUTH_QUEUE,
                    "connection %u: 503, no verification in %u ms", c->slot,
                    s->config.header_timeout_ms);
    queued = refuse(c, EVED_AUTH_BUSY, keep_alive, head_only, 1) == EVED_AUTH_GATE_ANSWERED;
  } else if (verified) {
    s->counters.auth[EVED_AUTH_OK]++;
    queued = eved__route_verified(c, c->auth_path, c->auth_method, keep_alive);
    /* A scrape parks again for its collectors: its answer closes then. */
    if (!keep_alive && !c->parked) c->closing = true;
  } else {
    if (eved_auth_throttle_fail(&s->auth_throttle, peer_of(c), s->now_ms))
      eved__limit_hit(s, EVED_LIMIT_AUTH_CLIENTS,
                      "auth: a client's failures forgotten, %d clients tracked",
                      EVED_AUTH_CLIENTS_MAX);
    queued = refuse(c, EVED_AUTH_BAD_CREDENTIALS, keep_alive, head_only, 0) ==
             EVED_AUTH_GATE_ANSWERED;
  }
  if (!queued) c->closing = true;
  eved__conn_resume(c); /* may close c */
}

void eved__auth_settle(eved_server_t *s) {
  if (s->verifier == NULL) return;
  eved_verifier_result_t r;
  while (eved_verifier_take(s->verifier, &r)) {
    uint32_t slot = (uint32_t)(r.owner & 0xffffffffu);
    eved_conn_t *c = slot < s->config.max_connections ? s->slots[slot] : NULL;
    bool mine = c != NULL && c->auth_waiting && c->auth_token == r.owner;
    /* A reload that changed the users since the job was queued (a user
     * removed, a hash changed) voids its verdict: the request is refused,
     * never served on the old table. */
    bool verified = mine && r.ok && c->auth_known_user && c->auth_users_gen == s->auth_users_gen;
    /* Only a configured user's success is cached; a result nobody waits
     * for any more (timed out, closed) is dropped. */
    if (verified && eved_auth_cache_add(&s->auth_cache, r.tag))
      eved__limit_hit(s, EVED_LIMIT_AUTH_CACHE, "auth: a cached verification dropped, %d cached",
                      EVED_AUTH_CACHE_MAX);
    eved_secret_wipe(r.tag, sizeof r.tag);
    if (mine) finish(c, verified, false);
  }
  if (s->auth_waiting == 0) return;
  for (uint32_t i = 0; i < s->config.max_connections && s->auth_waiting > 0; i++) {
    eved_conn_t *c = s->slots[i];
    if (c != NULL && c->auth_waiting && s->now_ms >= c->auth_due_ms) finish(c, false, true);
  }
}

int64_t eved__auth_next_due(const eved_server_t *s) {
  int64_t next = INT64_MAX;
  if (s->auth_waiting == 0) return next;
  for (uint32_t i = 0; i < s->config.max_connections; i++) {
    const eved_conn_t *c = s->slots[i];
    if (c != NULL && c->auth_waiting && c->auth_due_ms < next) next = c->auth_due_ms;
  }
  return next;
}

static bool same_users(const eved_config_t *a, const eved_config_t *b) {
  if (a->auth_user_count != b->auth_user_count) return false;
  for (size_t i = 0; i < a->auth_user_count; i++)
    if (strcmp(a->auth_users[i].name, b->auth_users[i].name) != 0 ||
        strcmp(a->auth_users[i].hash, b->auth_users[i].hash) != 0)
      return false;
  return true;
}

int eved__auth_apply(eved_server_t *s, const eved_config_t *before) {
  const eved_config_t *cfg = &s->config;
  if (before == NULL) {
    if (eved_auth_cache_init(&s->auth_cache) != 0) {
      eved_log(EVED_LOG_ERROR, "basic auth: the OS gave no random bytes for the cache's key");
      return EVE_EINVAL;
    }
  } else if (!same_users(before, cfg)) {
    /* A changed hash could not match its old entries anyway; a removed
     * user's must not outlive it, nor a verification still queued. */
    eved_auth_cache_clear(&s->auth_cache);
    s->auth_users_gen++;
  }
  if (cfg->auth_user_count == 0) {
    if (before != NULL && before->auth_user_count > 0)
      eved_log(EVED_LOG_WARN, "basic auth: no users any more: every path is open");
    return EVE_OK;
  }
  if (s->verifier == NULL && (s->verifier = eved_verifier_create(s->poller)) == NULL)
    return EVE_ENOMEM;
  if (before == NULL || before->auth_user_count == 0 || !same_users(before, cfg)) {
    eved_log(EVED_LOG_INFO, "basic auth: %llu users; %s", (unsigned long long)cfg->auth_user_count,
             cfg->auth_protect_healthz ? "every path needs credentials"
                                       : "every path but /healthz needs credentials");
    /* Over plain HTTP the password goes in base64, readable by anyone on
     * the path (RFC 7617 4). */
    if (!cfg->tls_enabled)
      eved_log(EVED_LOG_WARN,
               "basic auth over plain HTTP: credentials travel in clear; configure tls, keep eved "
               "on a trusted network, or put it behind a TLS proxy");
  }
  return EVE_OK;
}

void eved__auth_close(eved_server_t *s) {
  eved_verifier_destroy(s->verifier);
  s->verifier = NULL;
}

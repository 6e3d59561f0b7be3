/* Windows: the overlapped entry pool. */
#ifdef _WIN32
#include "test.h"
#include "test_win_util.h"

TEST_IMPL(pool_acquire_release_find) {
  eve_poller_t *poller = test_poller(mode);
  eve_overlapped_pool_t *pool = eve_poller_overlapped_pool(poller);
  CHECK(pool != NULL);
  CHECK_EQ(eve_overlapped_pool_active_count(pool), 0);
  CHECK(eve_overlapped_pool_has_available(pool));

  eve_overlapped_entry_t *a = eve_overlapped_pool_acquire(pool);
  eve_overlapped_entry_t *b = eve_overlapped_pool_acquire(pool);
  CHECK(a != NULL && b != NULL && a != b);
  CHECK(a->in_use && b->in_use);
  CHECK_EQ(eve_overlapped_pool_active_count(pool), 2);
  CHECK(eve_overlapped_pool_find_by_overlapped(pool, &a->overlapped) == a);
  CHECK(eve_overlapped_pool_find_by_overlapped(pool, &b->overlapped) == b);
  OVERLAPPED foreign;
  CHECK(eve_overlapped_pool_find_by_overlapped(pool, &foreign) == NULL);
  CHECK(eve_overlapped_pool_find_by_overlapped(pool, (OVERLAPPED *)((char *)a + 8)) == NULL);
  CHECK(eve_overlapped_pool_find_by_overlapped(pool, NULL) == NULL);

  /* reset clears the OVERLAPPED and the completion, not the caller's fields. */
  b->overlapped.Internal = 5;
  b->overlapped.Offset = 9;
  b->bytes_transferred = 3;
  b->status = EVE_EPIPE;
  b->user_data = 99;
  b->operation = EVE_IO_WRITE;
  eve_overlapped_entry_reset(b);
  CHECK_EQ(b->overlapped.Internal, 0);
  CHECK_EQ(b->overlapped.Offset, 0);
  CHECK_EQ(b->bytes_transferred, 0);
  CHECK_EQ(b->status, 0);
  CHECK_EQ(b->user_data, 99);
  CHECK_EQ(b->operation, EVE_IO_WRITE);

  eve_overlapped_pool_release(pool, a);
  CHECK(!a->in_use);
  CHECK_EQ(eve_overlapped_pool_active_count(pool), 1);
  CHECK(eve_overlapped_pool_find_by_overlapped(pool, &a->overlapped) == NULL);
  /* A second release of the same entry changes nothing. */
  eve_overlapped_pool_release(pool, a);
  CHECK_EQ(eve_overlapped_pool_active_count(pool), 1);

  /* Past the first chunk of 64: entries stay put and stay findable. */
  enum { MANY = 200 };
  static eve_overlapped_entry_t *many[MANY];
  for (int i = 0; i < MANY; i++) {
    many[i] = eve_overlapped_pool_acquire(pool);
    CHECK(many[i] != NULL);
    many[i]->user_data = (uint64_t)i;
  }
  CHECK_EQ(eve_overlapped_pool_active_count(pool), MANY + 1);
  for (int i = 0; i < MANY; i++) {
    CHECK(many[i] != b);
    CHECK(eve_overlapped_pool_find_by_overlapped(pool, &many[i]->overlapped) == many[i]);
    CHECK_EQ(many[i]->user_data, (uint64_t)i);
  }
  eve_poller_stats_t stats;
  eve_poller_stats(poller, &stats);
  CHECK_EQ(stats.overlapped_active, MANY + 1);
  for (int i = 0; i < MANY; i++) eve_overlapped_pool_release(pool, many[i]);
  eve_overlapped_pool_release(pool, b);
  CHECK_EQ(eve_overlapped_pool_active_count(pool), 0);
  CHECK_OK(eve_poller_dispose(poller));
}

TEST_IMPL(pool_exhaustion_is_clear_error) {
  eve_poller_options_t options = {mode, 64};
  eve_poller_t *poller = NULL;
  CHECK_OK(eve_poller_create(&poller, &options));
  eve_overlapped_pool_t *pool = eve_poller_overlapped_pool(poller);
  eve_overlapped_entry_t *entries[64];
  for (int i = 0; i < 64; i++) {
    CHECK(eve_overlapped_pool_has_available(pool));
    entries[i] = eve_overlapped_pool_acquire(pool);
    CHECK(entries[i] != NULL);
  }
  CHECK(!eve_overlapped_pool_has_available(pool));
  CHECK(eve_overlapped_pool_acquire(pool) == NULL);
  eve_poller_stats_t stats;
  eve_poller_stats(poller, &stats);
  CHECK_EQ(stats.capacity_hits, 1);
  CHECK_EQ(stats.overlapped_active, 64);
  /* Releasing one makes exactly that one available again. */
  eve_overlapped_pool_release(pool, entries[10]);
  CHECK(eve_overlapped_pool_has_available(pool));
  CHECK(eve_overlapped_pool_acquire(pool) == entries[10]);
  CHECK(eve_overlapped_pool_acquire(pool) == NULL);
  eve_poller_stats(poller, &stats);
  CHECK_EQ(stats.capacity_hits, 2);
  CHECK_OK(eve_poller_dispose(poller));
}
/* Finding: an entry could be released while its operation was in flight,
 * and the next acquire cleared an OVERLAPPED the kernel still owned. The
 * pool refuses such a release, and counts it where /stats shows it. */
TEST_IMPL(pool_refuses_release_in_flight) {
  eve_poller_t *poller = test_poller(mode);
  eve_overlapped_pool_t *pool = eve_poller_overlapped_pool(poller);
  test_pipe_t pipe = test_pipe_create();
  test_pipe_connect(poller, &pipe);
  static char buffer[16];
  eve_overlapped_entry_t *entry = test_entry(poller, pipe.server, EVE_IO_READ, 5);
  test_start_read(entry, buffer, sizeof buffer);
  eve_overlapped_pool_release(pool, entry);
  CHECK(entry->in_use);
  CHECK_EQ(eve_overlapped_pool_active_count(pool), 1);
  eve_poller_stats_t stats;
  eve_poller_stats(poller, &stats);
  CHECK_EQ(stats.releases_refused, 1);
  /* The acquire that follows gets another entry, not the busy one. */
  eve_overlapped_entry_t *other = eve_overlapped_pool_acquire(pool);
  CHECK(other != NULL && other != entry);
  eve_overlapped_pool_release(pool, other);

  DWORD written = 0;
  CHECK(WriteFile(pipe.client, "abc", 3, &written, NULL));
  eve_native_event_t event = test_wait_completion(poller, entry);
  CHECK_EQ(event.events, EVE_EV_IN);
  CHECK_EQ(entry->bytes_transferred, 3);
  /* Completed: now it goes back. */
  eve_overlapped_pool_release(pool, entry);
  CHECK(!entry->in_use);
  CHECK_EQ(eve_overlapped_pool_active_count(pool), 0);
  eve_poller_stats(poller, &stats);
  CHECK_EQ(stats.releases_refused, 1);
  test_pipe_close(&pipe);
  CHECK_OK(eve_poller_dispose(poller));
}
/* An entry belongs to the pool that gave it out: another poller's pool
 * neither finds it nor takes it back (its free list would then hand out
 * memory the first pool still owns and may free at dispose). */
TEST_IMPL(pool_refuses_foreign_entry) {
  eve_poller_t *first = test_poller(mode);
  eve_poller_t *second = test_poller(mode);
  eve_overlapped_pool_t *pool_a = eve_poller_overlapped_pool(first);
  eve_overlapped_pool_t *pool_b = eve_poller_overlapped_pool(second);
  eve_overlapped_entry_t *mine = eve_overlapped_pool_acquire(pool_b);
  CHECK(mine != NULL);
  eve_overlapped_pool_release(pool_b, mine);
  CHECK_EQ(eve_overlapped_pool_active_count(pool_b), 0);

  eve_overlapped_entry_t *foreign = eve_overlapped_pool_acquire(pool_a);
  CHECK(foreign != NULL);
  CHECK(eve_overlapped_pool_find_by_overlapped(pool_b, &foreign->overlapped) == NULL);
  eve_overlapped_pool_release(pool_b, foreign);
  CHECK(foreign->in_use);
  CHECK_EQ(eve_overlapped_pool_active_count(pool_a), 1);
  CHECK_EQ(eve_overlapped_pool_active_count(pool_b), 0);
  /* pool_b's next entries are its own, never the foreign one. */
  eve_overlapped_entry_t *next[2];
  for (int i = 0; i < 2; i++) {
    next[i] = eve_overlapped_pool_acquire(pool_b);
    CHECK(next[i] != NULL && next[i] != foreign);
    CHECK(eve_overlapped_pool_find_by_overlapped(pool_b, &next[i]->overlapped) == next[i]);
  }
  CHECK_EQ(eve_overlapped_pool_active_count(pool_b), 2);
  for (int i = 0; i < 2; i++) eve_overlapped_pool_release(pool_b, next[i]);
  CHECK_EQ(eve_overlapped_pool_active_count(pool_b), 0);
  eve_overlapped_pool_release(pool_a, foreign);
  CHECK(!foreign->in_use);
  CHECK_EQ(eve_overlapped_pool_active_count(pool_a), 0);
  CHECK_OK(eve_poller_dispose(second));
  CHECK_OK(eve_poller_dispose(first));
}
#endif

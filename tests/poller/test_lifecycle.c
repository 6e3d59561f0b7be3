/* Creating and disposing a poller. */
#include "test.h"

TEST_IMPL(create_and_dispose) {
  eve_poller_t *poller = test_poller(mode);
  CHECK(eve_handle_is_valid(eve_poller_handle(poller)));
  CHECK_EQ(eve_poller_registration_count(poller), 0);
  CHECK_EQ(eve_poller_overlapped_count(poller), 0);
  CHECK_OK(eve_poller_dispose(poller));
}

/* Behaviours of the Windows backend alone (overlapped pool, pipes, keys),
 * run on every Windows mode. CMake reads the TEST_WINDOWS lines whatever
 * the #ifdef says; the #ifdef keeps other OSes from needing the functions. */
#ifdef _WIN32
TEST_WINDOWS(reserved_keys_refused)
TEST_WINDOWS(classify_handle_types)
TEST_WINDOWS(register_unknown_is_error)
TEST_WINDOWS(register_pipe_is_overlapped)
TEST_WINDOWS(capacity_reached_is_limit)
TEST_WINDOWS(registry_grows_and_shrinks)
TEST_WINDOWS(socket_closed_while_registered_is_error)
TEST_WINDOWS(pool_acquire_release_find)
TEST_WINDOWS(pool_exhaustion_is_clear_error)
TEST_WINDOWS(pipe_connect_read_write_complete)
TEST_WINDOWS(pipe_broken_reports_error)
TEST_WINDOWS(completion_ends_infinite_wait)
TEST_WINDOWS(completion_ends_wait_watching_sockets)
TEST_WINDOWS(socket_ends_wait_with_io_pending)
TEST_WINDOWS(completions_kept_when_events_full)
TEST_WINDOWS(check_pending_takes_wakeup)
TEST_WINDOWS(dispose_with_pending_io_leaks_nothing)
TEST_WINDOWS(error_codes_translate)
#endif

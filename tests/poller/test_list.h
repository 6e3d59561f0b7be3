/* Behaviours every backend must show. One line per test; CMake reads this
 * file to make one ctest entry per behaviour and mode. */
TEST_SHARED(create_and_dispose)

/* Runs one contract test on one mode: poller_tests MODE NAME.
 * `poller_tests --list` prints every test name. */
#include <string.h>

#include "sockets.h"
#include "test.h"

typedef struct test_entry {
  const char *name;
  void (*run)(eve_poller_mode_t mode);
  int windows_only;
} test_entry_t;

static const test_entry_t tests[] = {
#define TEST_SHARED(name) {#name, test_##name, 0},
#define TEST_WINDOWS(name) {#name, test_##name, 1},
#include "test_list.h"
#include "test_list_windows.h"
#undef TEST_SHARED
#undef TEST_WINDOWS
};

eve_poller_t *test_poller(eve_poller_mode_t mode) {
  eve_poller_options_t options = {mode, 0};
  eve_poller_t *poller = NULL;
  CHECK_OK(eve_poller_create(&poller, &options));
  CHECK(eve_poller_is_valid(poller));
  return poller;
}

int main(int argc, char **argv) {
  size_t count = sizeof tests / sizeof tests[0];
  if (argc == 2 && strcmp(argv[1], "--list") == 0) {
    for (size_t i = 0; i < count; i++) printf("%s\n", tests[i].name);
    return 0;
  }
  if (argc != 3) {
    fprintf(stderr, "usage: poller_tests MODE TEST | --list\n");
    return 2;
  }
  eve_poller_mode_t mode;
  if (eve_poller_mode_parse(argv[1], &mode) < 0) {
    fprintf(stderr, "unknown mode %s\n", argv[1]);
    return 2;
  }
  for (size_t i = 0; i < count; i++) {
    if (strcmp(tests[i].name, argv[2]) == 0) {
      test_sockets_init();
      tests[i].run(mode);
      test_sockets_cleanup();
      printf("ok %s.%s\n", argv[1], argv[2]);
      return 0;
    }
  }
  fprintf(stderr, "unknown test %s\n", argv[2]);
  return 2;
}

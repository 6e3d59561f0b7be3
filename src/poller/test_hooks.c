/* The contract suite's seams (test_hooks.h); only in eve_poller_testable. */
#include "test_hooks.h"

eve__test_hooks_t eve__test_hooks;

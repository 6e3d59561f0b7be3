# Sanitized builds. EVE_SANITIZE lists the sanitizers every target is built
# with (the linux-asan preset: "address;undefined"); EVE_FUZZ builds the
# libFuzzer targets in tests/fuzz with clang instead of the test suites.
# Both halt on the first error: a report that lets the run go on is a report
# a test can pass over.
set(EVE_SANITIZE "" CACHE STRING "Sanitizers for every target, e.g. address;undefined")
option(EVE_FUZZ "Build the libFuzzer targets (clang only)" OFF)

if(EVE_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "EVE_FUZZ needs clang (configure with CC=clang or the fuzz preset)")
  endif()
  list(APPEND EVE_SANITIZE address undefined)
  list(REMOVE_DUPLICATES EVE_SANITIZE)
endif()

if(EVE_SANITIZE)
  if(WIN32)
    message(FATAL_ERROR "EVE_SANITIZE is for native builds only")
  endif()
  list(JOIN EVE_SANITIZE "," eve_sanitizers)
  # Frame pointers give whole stacks in reports at little cost.
  add_compile_options(-fsanitize=${eve_sanitizers} -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${eve_sanitizers})
endif()

if(EVE_FUZZ)
  # Coverage for everything (llhttp and cJSON included, so the fuzzer learns
  # their grammar); only the fuzz executables link libFuzzer's main.
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

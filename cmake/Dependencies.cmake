# llhttp and cJSON, both from Debian. llhttp's C sources ship in node-llhttp
# and are compiled for either target; cJSON comes from libcjson-dev natively
# and from Debian's source package for the Windows build
# (scripts/fetch-cjson-source.sh puts it in EVE_CJSON_SOURCE_DIR).
set(EVE_LLHTTP_DIR "/usr/share/llhttp" CACHE PATH "llhttp C sources (Debian node-llhttp)")
set(EVE_LLHTTP_INCLUDE_DIR "/usr/share/include/llhttp" CACHE PATH "llhttp.h (Debian node-llhttp)")
if(NOT EXISTS "${EVE_LLHTTP_DIR}/llhttp.c" OR NOT EXISTS "${EVE_LLHTTP_INCLUDE_DIR}/llhttp.h")
  message(FATAL_ERROR "llhttp sources not found in ${EVE_LLHTTP_DIR}: apt-get install node-llhttp")
endif()
add_library(llhttp STATIC
  "${EVE_LLHTTP_DIR}/llhttp.c" "${EVE_LLHTTP_DIR}/api.c" "${EVE_LLHTTP_DIR}/http.c")
target_include_directories(llhttp PUBLIC "${EVE_LLHTTP_INCLUDE_DIR}")
# Strict: a bare CR in a field, or whitespace between a field name and its
# colon, is an error rather than something llhttp guesses around (RFC 9112
# 2.2, 5.1; CVE-2023-30589). PUBLIC, so llhttp.h reads the same everywhere.
target_compile_definitions(llhttp PUBLIC LLHTTP_STRICT_MODE=1)
set_target_properties(llhttp PROPERTIES C_EXTENSIONS ON)

if(WIN32)
  set(EVE_CJSON_SOURCE_DIR "${CMAKE_SOURCE_DIR}/build/deps/cjson" CACHE PATH
      "Debian's cjson source package, unpacked (scripts/fetch-cjson-source.sh)")
  if(NOT EXISTS "${EVE_CJSON_SOURCE_DIR}/cJSON.c")
    message(FATAL_ERROR "cJSON sources not found in ${EVE_CJSON_SOURCE_DIR}: run scripts/fetch-cjson-source.sh")
  endif()
  add_library(cjson STATIC "${EVE_CJSON_SOURCE_DIR}/cJSON.c")
  target_include_directories(cjson PUBLIC "${EVE_CJSON_SOURCE_DIR}")
else()
  find_path(EVE_CJSON_INCLUDE_DIR cjson/cJSON.h)
  find_library(EVE_CJSON_LIBRARY cjson)
  if(NOT EVE_CJSON_INCLUDE_DIR OR NOT EVE_CJSON_LIBRARY)
    message(FATAL_ERROR "cJSON not found: apt-get install libcjson-dev")
  endif()
  add_library(cjson INTERFACE)
  target_include_directories(cjson INTERFACE "${EVE_CJSON_INCLUDE_DIR}/cjson")
  target_link_libraries(cjson INTERFACE "${EVE_CJSON_LIBRARY}")
endif()

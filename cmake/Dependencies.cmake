# llhttp, cJSON, libxcrypt and Mbed TLS, all from Debian. llhttp's C sources ship in node-llhttp
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

# bcrypt verification (basic auth, src/http/bcrypt_check.c) through
# libxcrypt's crypt_rn: Debian's libcrypt natively (libcrypt-dev); for the
# Windows build, the bcrypt part of Debian's libxcrypt source package
# (scripts/fetch-libxcrypt-source.sh puts it in EVE_LIBXCRYPT_SOURCE_DIR,
# with the headers its build generates): crypt.c (crypt_rn and the hash
# table), crypt-bcrypt.c, and the helpers they call. util-get-random-bytes.c
# is linked (crypt.c's crypt_gensalt refers to it) over a getentropy of
# our own (cmake/libxcrypt), never called to verify.
if(WIN32)
  set(EVE_LIBXCRYPT_SOURCE_DIR "${CMAKE_SOURCE_DIR}/build/deps/libxcrypt" CACHE PATH
      "Debian's libxcrypt source package's lib/ and generated headers (scripts/fetch-libxcrypt-source.sh)")
  if(NOT EXISTS "${EVE_LIBXCRYPT_SOURCE_DIR}/lib/crypt-bcrypt.c" OR
     NOT EXISTS "${EVE_LIBXCRYPT_SOURCE_DIR}/generated/crypt.h")
    message(FATAL_ERROR "libxcrypt sources not found in ${EVE_LIBXCRYPT_SOURCE_DIR}: run scripts/fetch-libxcrypt-source.sh")
  endif()
  set(xcrypt_lib "${EVE_LIBXCRYPT_SOURCE_DIR}/lib")
  add_library(xcrypt STATIC
    "${xcrypt_lib}/crypt.c" "${xcrypt_lib}/crypt-bcrypt.c" "${xcrypt_lib}/util-make-failure-token.c"
    "${xcrypt_lib}/util-xbzero.c" "${xcrypt_lib}/util-get-random-bytes.c"
    "${CMAKE_SOURCE_DIR}/cmake/libxcrypt/getentropy_win.c")
  target_include_directories(xcrypt PRIVATE "${CMAKE_SOURCE_DIR}/cmake/libxcrypt" "${xcrypt_lib}")
  target_include_directories(xcrypt PUBLIC "${EVE_LIBXCRYPT_SOURCE_DIR}/generated")
  target_compile_definitions(xcrypt PRIVATE HAVE_CONFIG_H IN_LIBCRYPT)
  target_link_libraries(xcrypt PUBLIC bcrypt)
  set_target_properties(xcrypt PROPERTIES C_EXTENSIONS ON)
else()
  find_path(EVE_CRYPT_INCLUDE_DIR crypt.h)
  find_library(EVE_CRYPT_LIBRARY crypt)
  if(NOT EVE_CRYPT_INCLUDE_DIR OR NOT EVE_CRYPT_LIBRARY)
    message(FATAL_ERROR "libcrypt not found: apt-get install libcrypt-dev")
  endif()
  add_library(xcrypt INTERFACE)
  target_include_directories(xcrypt INTERFACE "${EVE_CRYPT_INCLUDE_DIR}")
  target_link_libraries(xcrypt INTERFACE "${EVE_CRYPT_LIBRARY}")
endif()

# TLS (src/tls) through Mbed TLS 2.28: Debian's libmbedtls-dev natively;
# for the Windows build, Debian's mbedtls source package
# (scripts/fetch-mbedtls-source.sh puts it in EVE_MBEDTLS_SOURCE_DIR),
# every file of its library/ compiled into one static library with the
# additions of cmake/mbedtls/eve_mbedtls_config.h. Its own CMake files are
# not used: they would add its install rules (headers, libraries) to
# eved's package.
if(WIN32)
  set(EVE_MBEDTLS_SOURCE_DIR "${CMAKE_SOURCE_DIR}/build/deps/mbedtls" CACHE PATH
      "Debian's mbedtls source package, unpacked (scripts/fetch-mbedtls-source.sh)")
  if(NOT EXISTS "${EVE_MBEDTLS_SOURCE_DIR}/library/ssl_tls.c")
    message(FATAL_ERROR "Mbed TLS sources not found in ${EVE_MBEDTLS_SOURCE_DIR}: run scripts/fetch-mbedtls-source.sh")
  endif()
  file(GLOB eve_mbedtls_sources CONFIGURE_DEPENDS "${EVE_MBEDTLS_SOURCE_DIR}/library/*.c")
  add_library(mbedtls STATIC ${eve_mbedtls_sources})
  target_include_directories(mbedtls PUBLIC "${EVE_MBEDTLS_SOURCE_DIR}/include"
                                            "${CMAKE_SOURCE_DIR}/cmake/mbedtls")
  # PUBLIC: the configuration shapes the structures eved's code sees too.
  target_compile_definitions(mbedtls PUBLIC "MBEDTLS_USER_CONFIG_FILE=\"eve_mbedtls_config.h\"")
  target_link_libraries(mbedtls PUBLIC ws2_32 advapi32 bcrypt)
else()
  find_path(EVE_MBEDTLS_INCLUDE_DIR mbedtls/ssl.h)
  find_library(EVE_MBEDTLS_LIBRARY mbedtls)
  find_library(EVE_MBEDX509_LIBRARY mbedx509)
  find_library(EVE_MBEDCRYPTO_LIBRARY mbedcrypto)
  if(NOT EVE_MBEDTLS_INCLUDE_DIR OR NOT EVE_MBEDTLS_LIBRARY OR NOT EVE_MBEDX509_LIBRARY OR
     NOT EVE_MBEDCRYPTO_LIBRARY)
    message(FATAL_ERROR "Mbed TLS not found: apt-get install libmbedtls-dev")
  endif()
  add_library(mbedtls INTERFACE)
  target_include_directories(mbedtls INTERFACE "${EVE_MBEDTLS_INCLUDE_DIR}")
  target_link_libraries(mbedtls INTERFACE "${EVE_MBEDTLS_LIBRARY}" "${EVE_MBEDX509_LIBRARY}"
                        "${EVE_MBEDCRYPTO_LIBRARY}")
endif()

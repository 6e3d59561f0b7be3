# cmake -DIN=page.html -DOUT=page.c -P embed_page.cmake: writes OUT, a C
# file defining eved__dashboard_html (IN's bytes and a NUL) and
# eved__dashboard_html_len (without the NUL). Characters, not one string
# literal: nothing to escape, and no bound on a literal's length (C11
# 5.2.4.1 promises 4095 characters only; MSVC stops at 16380 per piece).
file(READ "${IN}" hex HEX)
string(REGEX REPLACE "(........................)" "\\1\n" hex "${hex}")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," chars "${hex}")
get_filename_component(name "${IN}" NAME)
file(WRITE "${OUT}"
"/* Generated from src/http/${name} by src/http/embed_page.cmake: edit that. */
#include <stddef.h>

#include \"server_int.h\"

const char eved__dashboard_html[] = {
${chars}'\\0'};

const size_t eved__dashboard_html_len = sizeof eved__dashboard_html - 1;
")

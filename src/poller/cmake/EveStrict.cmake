# eve_strict(target): every warning an error on our own targets, and the
# Windows version and POSIX feature macros the sources are written for.
# Here, beside the poller, because the poller configures on its own too;
# the dependencies (llhttp, cJSON) are built without it, as their authors
# ship them.
function(eve_strict target)
  if(MSVC)
    # MSVC (the users' native Windows CI, .github/workflows/windows.yml):
    # /W4 without /WX until a first CI run shows which of MSVC's own
    # warnings the code trips; the CRT's "use _s functions" advice is noise
    # for portable C11.
    target_compile_options(${target} PRIVATE /W4)
    target_compile_definitions(${target} PRIVATE _CRT_SECURE_NO_WARNINGS _CRT_NONSTDC_NO_DEPRECATE)
  else()
    target_compile_options(${target} PRIVATE -Wall -Wextra -Werror)
  endif()
  if(WIN32)
    # 0x0601: Windows 7 has everything eve uses (WSAPoll, GetQueuedCompletionStatusEx,
    # CancelIoEx, FILE_SKIP_COMPLETION_PORT_ON_SUCCESS).
    target_compile_definitions(${target} PRIVATE WIN32_LEAN_AND_MEAN _WIN32_WINNT=0x0601)
  else()
    target_compile_definitions(${target} PRIVATE _POSIX_C_SOURCE=200809L _DEFAULT_SOURCE)
  endif()
endfunction()

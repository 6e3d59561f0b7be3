# Our own targets build with every warning as an error; the dependencies
# (llhttp, cJSON) are built without it, as their authors ship them.
function(eve_strict target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror)
  if(WIN32)
    # 0x0601: Windows 7 has everything eve uses (WSAPoll, GetQueuedCompletionStatusEx,
    # CancelIoEx, FILE_SKIP_COMPLETION_PORT_ON_SUCCESS).
    target_compile_definitions(${target} PRIVATE WIN32_LEAN_AND_MEAN _WIN32_WINNT=0x0601)
  else()
    target_compile_definitions(${target} PRIVATE _POSIX_C_SOURCE=200809L _DEFAULT_SOURCE)
  endif()
endfunction()

if(WIN32)
  # A self-contained .exe: no libgcc or winpthread DLL beside it.
  add_link_options(-static)
endif()

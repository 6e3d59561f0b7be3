# Our own targets build with every warning as an error; the dependencies
# (llhttp, cJSON) are built without it, as their authors ship them.
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

if(MSVC)
  # C11 atomics (_Atomic, <stdatomic.h>) need MSVC 17.5+ and this switch;
  # the static CRT keeps eved.exe self-contained as -static does for mingw.
  add_compile_options(/experimental:c11atomics)
  set(CMAKE_MSVC_RUNTIME_LIBRARY "MultiThreaded$<$<CONFIG:Debug>:Debug>")
elseif(WIN32)
  # A self-contained .exe: no libgcc or winpthread DLL beside it.
  add_link_options(-static)
endif()

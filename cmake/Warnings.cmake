include(${PROJECT_SOURCE_DIR}/src/poller/cmake/EveStrict.cmake)

if(MSVC)
  # C11 atomics (_Atomic, <stdatomic.h>) need MSVC 17.5+ and this switch;
  # the static CRT keeps eved.exe self-contained as -static does for mingw.
  add_compile_options(/experimental:c11atomics)
  set(CMAKE_MSVC_RUNTIME_LIBRARY "MultiThreaded$<$<CONFIG:Debug>:Debug>")
elseif(WIN32)
  # A self-contained .exe: no libgcc or winpthread DLL beside it.
  add_link_options(-static)
endif()

# The one version: project(VERSION) in the top CMakeLists.txt, or
# -DEVE_VERSION_OVERRIDE=X.Y.Z for a build that must differ (the MSI upgrade
# test builds a second, higher one). It becomes eved's --version, /stats and
# Server header (through the generated version.h), the MSI ProductVersion and
# the package file names.
set(EVE_VERSION_OVERRIDE "" CACHE STRING "Build as this X.Y.Z version instead of the project's")
if(EVE_VERSION_OVERRIDE)
  set(EVE_VERSION "${EVE_VERSION_OVERRIDE}")
else()
  set(EVE_VERSION "${PROJECT_VERSION}")
endif()
# An MSI ProductVersion is major.minor.build with major and minor below 256
# and build below 65536; anything else would build an MSI Windows misorders.
if(NOT EVE_VERSION MATCHES "^([0-9]+)\\.([0-9]+)\\.([0-9]+)$")
  message(FATAL_ERROR "version \"${EVE_VERSION}\" is not X.Y.Z")
endif()
if(CMAKE_MATCH_1 GREATER 255 OR CMAKE_MATCH_2 GREATER 255 OR CMAKE_MATCH_3 GREATER 65535)
  message(FATAL_ERROR "version \"${EVE_VERSION}\" is out of the MSI range (255.255.65535)")
endif()

# The commit eved is built from, for eved_build_info's revision label:
# `git rev-parse --short HEAD` when the source is a git checkout (a
# worktree's .git is a file, so EXISTS, not IS_DIRECTORY), else "unknown"
# (a source tarball). Configure reruns when HEAD or the branch it names
# moves, so a new commit is not built under the old revision.
set(EVE_REVISION "unknown")
find_package(Git QUIET)
if(GIT_FOUND AND EXISTS "${PROJECT_SOURCE_DIR}/.git")
  execute_process(COMMAND "${GIT_EXECUTABLE}" rev-parse --short HEAD
                  WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}"
                  OUTPUT_VARIABLE _eve_revision OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE _eve_git_rc ERROR_QUIET)
  if(_eve_git_rc EQUAL 0 AND _eve_revision MATCHES "^[0-9a-f]+$")
    set(EVE_REVISION "${_eve_revision}")
    execute_process(COMMAND "${GIT_EXECUTABLE}" rev-parse --git-path HEAD
                    WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}"
                    OUTPUT_VARIABLE _eve_head OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    execute_process(COMMAND "${GIT_EXECUTABLE}" symbolic-ref -q HEAD
                    WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}"
                    OUTPUT_VARIABLE _eve_ref OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    set(_eve_watch "${_eve_head}")
    if(_eve_ref)
      execute_process(COMMAND "${GIT_EXECUTABLE}" rev-parse --git-path "${_eve_ref}"
                      WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}"
                      OUTPUT_VARIABLE _eve_ref_path OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
      list(APPEND _eve_watch "${_eve_ref_path}")
    endif()
    foreach(_eve_file IN LISTS _eve_watch)
      if(NOT IS_ABSOLUTE "${_eve_file}")
        set(_eve_file "${PROJECT_SOURCE_DIR}/${_eve_file}")
      endif()
      if(EXISTS "${_eve_file}")
        set_property(DIRECTORY "${PROJECT_SOURCE_DIR}" APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${_eve_file}")
      endif()
    endforeach()
  endif()
endif()

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

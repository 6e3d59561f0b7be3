# Where eved goes when installed, and the packages built from that:
# - Linux: `cmake --install` lays out bin/, etc/eved/, the systemd unit and
#   share/doc/eved/ the way distribution packagers expect (GNUInstallDirs,
#   so -DCMAKE_INSTALL_SYSCONFDIR=/etc etc. work as they do elsewhere).
# - Windows: a flat layout (eved.exe, eved.json, README.md, docs\) that CPack
#   zips, and an MSI built by Debian's wixl from service/eved.wxs (the
#   `msi` target). CPack's own WiX generator needs the real WiX toolset,
#   which does not run here; wixl does.
# Both take their version from EVE_VERSION (cmake/Version.cmake).
include(GNUInstallDirs)

if(WIN32)
  install(TARGETS eved RUNTIME DESTINATION .)
  install(FILES ${PROJECT_SOURCE_DIR}/config/eved.json ${PROJECT_SOURCE_DIR}/README.md DESTINATION .)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION docs FILES_MATCHING PATTERN "*.md")
else()
  install(TARGETS eved RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  # The config is installed only where none exists: from then on it is the
  # administrator's, and an upgrade (the next version's `cmake --install`)
  # must not move an installed eved to the new version's default port or
  # undo any other edit. install(FILES) would overwrite it.
  if(IS_ABSOLUTE "${CMAKE_INSTALL_SYSCONFDIR}")
    set(eve_config_dir "${CMAKE_INSTALL_SYSCONFDIR}/eved")
  else()
    set(eve_config_dir "\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_SYSCONFDIR}/eved")
  endif()
  install(CODE "
    set(eve_config \"\$ENV{DESTDIR}${eve_config_dir}/eved.json\")
    if(EXISTS \"\${eve_config}\")
      message(STATUS \"Kept: \${eve_config} (an installed config is never replaced)\")
    else()
      # file(INSTALL) puts DESTDIR in front of the destination itself.
      file(INSTALL DESTINATION \"${eve_config_dir}\" TYPE FILE
           FILES \"${PROJECT_SOURCE_DIR}/config/eved.json\")
    endif()")
  # README links to docs/<page>.md: the same relative layout keeps the links whole.
  install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/eved)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/eved/docs
          FILES_MATCHING PATTERN "*.md")
  # The systemd unit is the template service/eved.service.in with the
  # install paths filled in (ExecStart runs @CMAKE_INSTALL_FULL_BINDIR@/eved
  # with the config in @CMAKE_INSTALL_FULL_SYSCONFDIR@/eved). They are fixed
  # here, when configuring, as packagers expect (they set the prefix then
  # and stage with DESTDIR, as install.native does); `cmake --install
  # --prefix` moves the files but not these paths. EVE_SYSTEMD_UNIT is the
  # configured file, which the tests check.
  set(EVE_SYSTEMD_UNIT_DIR "lib/systemd/system" CACHE STRING "Where the systemd unit is installed")
  set(EVE_SYSTEMD_UNIT ${CMAKE_BINARY_DIR}/eved.service)
  configure_file(${PROJECT_SOURCE_DIR}/service/eved.service.in ${EVE_SYSTEMD_UNIT} @ONLY)
  install(FILES ${EVE_SYSTEMD_UNIT} DESTINATION ${EVE_SYSTEMD_UNIT_DIR})
endif()

# CPack: the ZIP. `cmake --build <tree> --target package` writes it to
# <tree>/package/.
set(CPACK_PACKAGE_NAME eved)
set(CPACK_PACKAGE_VENDOR "eve")
set(CPACK_PACKAGE_VERSION ${EVE_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_GENERATOR ZIP)
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/package)
if(WIN32)
  set(CPACK_PACKAGE_FILE_NAME eved-${EVE_VERSION}-win64)
else()
  set(CPACK_PACKAGE_FILE_NAME eved-${EVE_VERSION}-linux-${CMAKE_SYSTEM_PROCESSOR})
endif()
set(CPACK_INCLUDE_TOPLEVEL_DIRECTORY ON)
include(CPack)

if(WIN32)
  include(${CMAKE_CURRENT_LIST_DIR}/Msi.cmake)
endif()

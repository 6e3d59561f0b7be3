# The MSI (Windows build only): `cmake --build <tree> --target msi` writes
# <tree>/package/eved-<version>-x64.msi with Debian's wixl from
# service/eved.wxs. wixl reads its sources relative to the working
# directory, so the files are staged in <tree>/msi-stage first.
#
# `msi-upgrade` builds the same sources once more as the next version
# (EVE_VERSION_OVERRIDE, in <tree>/upgrade) and makes its MSI: the second,
# higher version the upgrade test installs over the first.
find_program(EVE_WIXL wixl)
# The verb the service's command line runs: the service glue's entry point.
set(EVE_SERVICE_VERB "service" CACHE STRING "eved's command-line verb when started by the SCM")

string(REGEX REPLACE "^([0-9]+\\.[0-9]+)\\.([0-9]+)$" "\\1" eve_version_head "${EVE_VERSION}")
string(REGEX REPLACE "^([0-9]+\\.[0-9]+)\\.([0-9]+)$" "\\2" eve_version_build "${EVE_VERSION}")
math(EXPR eve_version_build_next "${eve_version_build} + 1")
set(EVE_VERSION_NEXT "${eve_version_head}.${eve_version_build_next}")

set(EVE_MSI "${CMAKE_BINARY_DIR}/package/eved-${EVE_VERSION}-x64.msi")
set(EVE_MSI_UPGRADE "${CMAKE_BINARY_DIR}/upgrade/package/eved-${EVE_VERSION_NEXT}-x64.msi")
set(eve_stage "${CMAKE_BINARY_DIR}/msi-stage")
set(eve_wxs "${PROJECT_SOURCE_DIR}/service/eved.wxs")
# eved.wxs names each page of the manual; msi.wine.install checks that the
# installed docs folder holds every page of docs/.
file(GLOB eve_docs "${PROJECT_SOURCE_DIR}/docs/*.md")

if(EVE_WIXL)
  add_custom_command(OUTPUT ${EVE_MSI}
    COMMAND ${CMAKE_COMMAND} -E rm -rf ${eve_stage}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${eve_stage} ${CMAKE_BINARY_DIR}/package
    COMMAND ${CMAKE_COMMAND} -E copy $<TARGET_FILE:eved> ${eve_stage}/eved.exe
    COMMAND ${CMAKE_COMMAND} -E copy ${PROJECT_SOURCE_DIR}/config/eved.json ${eve_stage}/eved.default.json
    COMMAND ${CMAKE_COMMAND} -E copy ${PROJECT_SOURCE_DIR}/README.md ${eve_stage}/README.md
    COMMAND ${CMAKE_COMMAND} -E copy_directory ${PROJECT_SOURCE_DIR}/docs ${eve_stage}/docs
    COMMAND ${CMAKE_COMMAND} -E chdir ${eve_stage} ${EVE_WIXL} -a x64 -D Version=${EVE_VERSION} -D VersionNext=${EVE_VERSION_NEXT}
            -D ServiceVerb=${EVE_SERVICE_VERB} -o ${EVE_MSI} ${eve_wxs}
    DEPENDS eved ${eve_wxs} ${PROJECT_SOURCE_DIR}/config/eved.json ${PROJECT_SOURCE_DIR}/README.md ${eve_docs}
    COMMENT "wixl: eved-${EVE_VERSION}-x64.msi"
    VERBATIM)
  add_custom_target(msi DEPENDS ${EVE_MSI})
else()
  add_custom_target(msi
    COMMAND ${CMAKE_COMMAND} -E echo "wixl not found: apt-get install wixl (scripts/install-deps.sh package)"
    COMMAND ${CMAKE_COMMAND} -E false)
endif()

add_custom_target(msi-upgrade
  COMMAND ${CMAKE_COMMAND} -S ${PROJECT_SOURCE_DIR} -B ${CMAKE_BINARY_DIR}/upgrade
          -G ${CMAKE_GENERATOR} -DCMAKE_TOOLCHAIN_FILE=${CMAKE_TOOLCHAIN_FILE}
          -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE} -DBUILD_TESTING=OFF
          -DEVE_CJSON_SOURCE_DIR=${EVE_CJSON_SOURCE_DIR}
          -DEVE_SERVICE_VERB=${EVE_SERVICE_VERB}
          -DEVE_VERSION_OVERRIDE=${EVE_VERSION_NEXT}
  COMMAND ${CMAKE_COMMAND} --build ${CMAKE_BINARY_DIR}/upgrade --target msi
  COMMENT "eved ${EVE_VERSION_NEXT}: the upgrade MSI"
  VERBATIM)

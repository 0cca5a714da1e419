# `cmake --install build --prefix P` puts lsmc into P as a library (docs/engine.md, "lsmc as a
# library"):
#   P/include/lsmc/{model,sim,properties,traces,wmm,report,tools}/...   one public include tree
#   P/lib/liblsmc_*.a                                              the libraries
#   P/lib/cmake/lsmc/lsmcConfig.cmake                              find_package(lsmc)
#   P/bin/lsmc                                                     the stock binary
# find_package(lsmc) gives lsmc::lsmc: the engine, the model, the checkers, the traces and the
# CLI (lsmc::cli::lsmc_main), linked against static Boost.Context as lsmc itself is.
#
# Headers: inside the source tree they include each other from the repository root
# ("sim/scenario.hpp"); installed, they live under lsmc/ and are rewritten on the way to include
# each other as "lsmc/sim/scenario.hpp", so a user's include path gets one directory (P/include)
# and no top-level "model/" or "sim/" that could shadow the user's own headers.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(LSMC_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/lsmc)
set(LSMC_LIBRARIES lsmc_model lsmc_wmm lsmc_sim lsmc_properties lsmc_traces lsmc_report lsmc_cli)
if(LSMC_HAVE_BPF)
  list(APPEND LSMC_LIBRARIES lsmc_real)
endif()
if(LSMC_HAVE_BPF_HOST)
  # The host build's runtime (lsmc check-bpf), which lsmc_properties links when it is built. Its
  # executables export the ABI the host-built shared objects bind to: the list of those symbols is
  # installed beside the package config, and a user's binary is linked with it as lsmc is.
  list(APPEND LSMC_LIBRARIES lsmc_bpfhost)
  set(LSMC_BPFHOST_EXPORTS ${PROJECT_SOURCE_DIR}/model/bpfhost/exports.list)
  set_property(TARGET lsmc_bpfhost PROPERTY INTERFACE_LINK_OPTIONS
               "$<BUILD_INTERFACE:LINKER:--dynamic-list=${LSMC_BPFHOST_EXPORTS}>"
               "$<INSTALL_INTERFACE:LINKER:--dynamic-list=$<INSTALL_PREFIX>/${LSMC_INSTALL_CMAKEDIR}/bpfhost-exports.list>")
  install(FILES ${LSMC_BPFHOST_EXPORTS} DESTINATION ${LSMC_INSTALL_CMAKEDIR} RENAME bpfhost-exports.list)
  # check-bpf's headers (vmlinux.h, the host build's bpf/ headers): an installed lsmc finds them in
  # <prefix>/share/lsmc/bpfhost from its own path (properties::bpfhost_dir), not in the source tree.
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/model/bpfhost/include ${PROJECT_SOURCE_DIR}/model/bpfhost/include-host
          DESTINATION ${CMAKE_INSTALL_DATADIR}/lsmc/bpfhost)
endif()

if(LSMC_HAVE_MLS)
  # lsmc mls diff's kernel side (the mls user library and its kernel test's utilities, C), which
  # lsmc_properties links where the library's kernel build exists. Their headers are not public
  # (the generated BPF skeleton among them): they are found in the trees only while lsmc builds.
  foreach(lib mls mls_kernel_util)
    get_target_property(dirs ${lib} INTERFACE_INCLUDE_DIRECTORIES)
    list(TRANSFORM dirs PREPEND "$<BUILD_INTERFACE:")
    list(TRANSFORM dirs APPEND ">")
    set_property(TARGET ${lib} PROPERTY INTERFACE_INCLUDE_DIRECTORIES "${dirs}")
  endforeach()
  set(LSMC_C_LIBRARIES mls mls_kernel_util)
endif()

# The libraries find their headers in the source tree while lsmc builds, and under P/include once
# installed.
foreach(lib IN LISTS LSMC_LIBRARIES)
  set_property(TARGET ${lib} PROPERTY INTERFACE_INCLUDE_DIRECTORIES
               "$<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>" "$<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>")
endforeach()

# lsmc::lsmc: everything a user's program links.
add_library(lsmc_all INTERFACE)
set_target_properties(lsmc_all PROPERTIES EXPORT_NAME lsmc)
target_link_libraries(lsmc_all INTERFACE ${LSMC_LIBRARIES})
if(LSMC_SANITIZE)
  # Libraries built with ASan+UBSan need the sanitizer runtimes in the binary that links them.
  target_link_options(lsmc_all INTERFACE -fsanitize=address,undefined)
endif()
add_library(lsmc::lsmc ALIAS lsmc_all)

install(TARGETS ${LSMC_LIBRARIES} ${LSMC_C_LIBRARIES} lsmc_all EXPORT lsmcTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS lsmc RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT lsmcTargets NAMESPACE lsmc:: DESTINATION ${LSMC_INSTALL_CMAKEDIR})

# The public headers: every header of the libraries, and of tools/ the CLI's entry points only.
set(LSMC_HEADERS "")
foreach(dir model sim properties traces wmm report)
  file(GLOB_RECURSE found CONFIGURE_DEPENDS RELATIVE ${PROJECT_SOURCE_DIR} ${PROJECT_SOURCE_DIR}/${dir}/*.hpp)
  list(APPEND LSMC_HEADERS ${found})
endforeach()
list(APPEND LSMC_HEADERS tools/cli.hpp tools/catalog.hpp)
list(SORT LSMC_HEADERS)
install(CODE "
  set(LSMC_SOURCE_DIR \"${PROJECT_SOURCE_DIR}\")
  set(LSMC_HEADERS \"${LSMC_HEADERS}\")
  set(LSMC_HEADER_DEST \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_INCLUDEDIR}/lsmc\")
  include(\"${PROJECT_SOURCE_DIR}/cmake/LsmcInstallHeaders.cmake\")
")

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/lsmcConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/lsmcConfig.cmake
                              INSTALL_DESTINATION ${LSMC_INSTALL_CMAKEDIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/lsmcConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/lsmcConfig.cmake ${PROJECT_BINARY_DIR}/lsmcConfigVersion.cmake
        DESTINATION ${LSMC_INSTALL_CMAKEDIR})

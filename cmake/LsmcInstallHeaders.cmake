# Run at install time (cmake/LsmcInstall.cmake): copies each public header of LSMC_HEADERS (paths
# relative to LSMC_SOURCE_DIR) to LSMC_HEADER_DEST, rewriting lsmc's own includes from the
# repository-root spelling ("sim/scenario.hpp") to the installed one ("lsmc/sim/scenario.hpp").
# Only whole `#include "DIR/` directives of lsmc's top-level folders are rewritten.
foreach(rel IN LISTS LSMC_HEADERS)
  file(READ "${LSMC_SOURCE_DIR}/${rel}" text)
  string(REGEX REPLACE "#include \"(model|sim|properties|traces|wmm|report|tools)/" "#include \"lsmc/\\1/" text "${text}")
  set(dest "${LSMC_HEADER_DEST}/${rel}")
  if(EXISTS "${dest}")
    file(READ "${dest}" old)
    if(old STREQUAL text)
      message(STATUS "Up-to-date: ${dest}")
      continue()
    endif()
  endif()
  message(STATUS "Installing: ${dest}")
  file(WRITE "${dest}" "${text}")
endforeach()

# lsmc_bpf_host_build(NAME <name> OUT <dir> BPF <file.bpf.c> SOURCES <c files> INCLUDES <dirs>
#                     DEFINES <macros>): the two targets of one BPF C source for lsmc (docs/mls.md):
#   <dir>/<name>.bpf.o  clang-19 -target bpf against lsmc's vmlinux.h: what libbpf reads
#   <dir>/<name>.so     clang-19 -fsanitize=thread of the same source (and SOURCES), linked without
#                       the sanitizer runtime: lsmc's hooks (model/bpfhost/hooks.cpp) take its place
# and a custom target <name> that builds both.
set(LSMC_BPF_HOST_DIR ${CMAKE_CURRENT_LIST_DIR})
# -tsan-instrument-read-before-write: without it the pass drops the load of a load-then-store pair
# in one basic block (x++), which would run with no scheduling point of its own.
# -tsan-distinguish-volatile: READ_ONCE/WRITE_ONCE (volatile) reach their own hooks, as marked.
# -fexceptions: a finding unwinds the actor through the C frames.
set(LSMC_BPF_HOST_CFLAGS -O1 -g -fPIC -fexceptions -fsanitize=thread -mllvm -tsan-distinguish-volatile=1
    -mllvm -tsan-instrument-read-before-write=1 -Wall -Werror -Wno-unused-function)
function(lsmc_bpf_host_build)
  cmake_parse_arguments(A "" "NAME;OUT;BPF" "SOURCES;INCLUDES;DEFINES" ${ARGN})
  set(includes -I${LSMC_BPF_HOST_DIR}/include)
  foreach(dir ${A_INCLUDES})
    list(APPEND includes -I${dir})
  endforeach()
  set(defines)
  foreach(d ${A_DEFINES})
    list(APPEND defines -D${d})
  endforeach()
  add_custom_command(
    OUTPUT ${A_OUT}/${A_NAME}.bpf.o
    COMMAND ${CMAKE_COMMAND} -E make_directory ${A_OUT}
    COMMAND ${LSMC_CLANG_HOST} -target bpf -g -O2 -D__TARGET_ARCH_x86 ${includes} ${defines} -c ${A_BPF}
            -o ${A_OUT}/${A_NAME}.bpf.o
    DEPENDS ${A_BPF} ${LSMC_BPF_HOST_DIR}/include/vmlinux.h ${A_SOURCES}
    IMPLICIT_DEPENDS C ${A_BPF}
    COMMENT "${A_NAME}.bpf.o (the BPF target, for its maps and programs)")
  set(objects)
  foreach(src ${A_BPF} ${A_SOURCES})
    get_filename_component(base ${src} NAME_WE)
    set(obj ${A_OUT}/${A_NAME}.${base}.o)
    add_custom_command(
      OUTPUT ${obj}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${A_OUT}
      COMMAND ${LSMC_CLANG_HOST} ${LSMC_BPF_HOST_CFLAGS} -I${LSMC_BPF_HOST_DIR}/include-host ${includes} ${defines}
              -c ${src} -o ${obj}
      DEPENDS ${src} ${LSMC_BPF_HOST_DIR}/include/vmlinux.h ${LSMC_BPF_HOST_DIR}/include-host/bpf/bpf_helpers.h
      IMPLICIT_DEPENDS C ${src}
      COMMENT "${A_NAME}: ${base} for the host, every access instrumented")
    list(APPEND objects ${obj})
  endforeach()
  add_custom_command(
    OUTPUT ${A_OUT}/${A_NAME}.so
    COMMAND ${LSMC_CLANG_HOST} -shared -o ${A_OUT}/${A_NAME}.so ${objects}
    DEPENDS ${objects}
    COMMENT "${A_NAME}.so (the host build, without a sanitizer runtime)")
  add_custom_target(${A_NAME} ALL DEPENDS ${A_OUT}/${A_NAME}.so ${A_OUT}/${A_NAME}.bpf.o)
endfunction()

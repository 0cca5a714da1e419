#!/usr/bin/env bash
# lsmc as a library, end to end: installs the lsmc of BUILD into a fresh prefix, configures and
# builds examples/sched-queue against it from scratch (find_package(lsmc)), and runs the example's
# finding through the stock commands of the example's own binary: explore finds the mutant,
# replay reproduces it, minimize shrinks it, render draws it; unmutated, the scenario passes.
#   tools/test-install.sh BUILD [WORK]      (WORK: a scratch directory, emptied first)
# The CTest Install.ExampleProject... runs it; CXX / CMAKE_CXX_COMPILER_LAUNCHER are passed on.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:?usage: tools/test-install.sh BUILD [WORK]}" && pwd)
work=${2:-$(mktemp -d)}
rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)
fail() { echo "test-install: $*" >&2; exit 1; }
# Exit 77 is a skip for the CTest (SKIP_RETURN_CODE): without cmake there is nothing to install with.
command -v cmake >/dev/null || { echo "test-install: SKIPPED: no cmake on PATH"; exit 77; }

cmake --install "$build" --prefix "$work/prefix" >"$work/install.log" || fail "cmake --install failed (see $work/install.log)"
[ -f "$work/prefix/include/lsmc/sim/scenario.hpp" ] || fail "no lsmc/sim/scenario.hpp in the prefix"
if grep -rqE '#include "(model|sim|properties|traces|wmm|report|tools)/' "$work/prefix/include/lsmc"; then
  fail "an installed header includes another outside lsmc/"
fi
# An installed lsmc's check-bpf uses the installed headers, not the source tree's.
if [ -d "$src/model/bpfhost/include-host" ] && "$work/prefix/bin/lsmc" check-bpf --help >"$work/check-bpf-help.out" 2>&1 &&
   grep -q "Headers" "$work/check-bpf-help.out"; then
  grep -qF "Headers (vmlinux.h, the host build's bpf/ headers): $work/prefix/share/lsmc/bpfhost." "$work/check-bpf-help.out" ||
    { cat "$work/check-bpf-help.out" >&2; fail "the installed check-bpf does not use $work/prefix/share/lsmc/bpfhost"; }
  [ -f "$work/prefix/share/lsmc/bpfhost/include/vmlinux.h" ] || fail "no share/lsmc/bpfhost/include/vmlinux.h in the prefix"
fi
launcher=()
[ -n "${CMAKE_CXX_COMPILER_LAUNCHER:-}" ] && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER="$CMAKE_CXX_COMPILER_LAUNCHER")
cmake -S "$src/examples/sched-queue" -B "$work/example" -DCMAKE_PREFIX_PATH="$work/prefix" \
      -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" >"$work/configure.log" || fail "configure failed (see $work/configure.log)"
cmake --build "$work/example" -j2 >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; fail "the example does not build"; }

bin="$work/example/sched-queue-check"
cd "$work"
expect() {  # expect CODE COMMAND...: runs the command, output in last.out, checks its exit code
  local want=$1 code=0
  shift
  "$@" >last.out 2>&1 || code=$?
  [ "$code" = "$want" ] || { cat last.out >&2; fail "'$*' exited $code, expected $want"; }
}
has() { grep -qF -- "$1" last.out || { cat last.out >&2; fail "no '$1' in the output above"; }; }

expect 0 "$bin" list
has scx-queue-config
expect 0 "$bin" explore --scenario scx-queue-config --executions 2000
has "result: nothing found"
expect 1 "$bin" explore --mutant free-config-before-grace-period --trace-out found.trace
has "VIOLATION of use-after-free"
has "replay: $bin replay found.trace"   # printed commands name this binary
expect 1 "$bin" replay found.trace
has "reproduced: violation of use-after-free"
expect 1 "$bin" minimize found.trace
has "trace: found.min.trace"
expect 0 "$bin" render found.min.trace
has "use-after-free"
has "refresher: free(old config)"
echo "test-install: the example built against $work/prefix finds, replays, minimises and draws its mutant"

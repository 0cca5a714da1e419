#!/usr/bin/env bash
# README command 2: build lsmc and run its whole test suite, in Release (build/).
# LSMC_SANITIZE=1 (CI) runs the same suite once, under ASan+UBSan (build-asan/), instead.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${LSMC_SANITIZE:-0}" = 1 ]; then
  # One tree, not two: on CI's 2 cores the two builds were most of its 31 minutes, and every
  # test runs here with the sanitizers watching. -O2 -g (RelWithDebInfo) for what the tests drive;
  # tools/ and tests/ at -O0 (CMakeLists.txt, lsmc_glue_code). Benchmarks are built, not run.
  dir=build-asan
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLSMC_SANITIZE=ON -DLSMC_BUILD_TESTS=ON >/dev/null
else
  dir=build
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DLSMC_BUILD_TESTS=ON >/dev/null
fi
cmake --build "$dir" -j"$(nproc)"
(cd "$dir" && ctest --output-on-failure -j"$(nproc)")

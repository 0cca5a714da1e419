#!/usr/bin/env bash
# README command 2: build and run the tests. LSMC_SANITIZE=1 also runs them under ASan+UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DLSMC_BUILD_TESTS=ON >/dev/null
cmake --build build -j"$(nproc)"
(cd build && ctest --output-on-failure -j"$(nproc)")
if [ "${LSMC_SANITIZE:-0}" = 1 ]; then
  # -O2 -g, not -O0: under ASan at -O0 the model-checking tests ran ~50x slower than Release and CI
  # went over its budget. At -O2 a load the optimiser deletes is not checked; every access that
  # executes still is, and reports keep their line numbers.
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLSMC_SANITIZE=ON -DLSMC_BUILD_BENCH=OFF >/dev/null
  cmake --build build-asan -j"$(nproc)"
  (cd build-asan && ctest --output-on-failure -j"$(nproc)")
fi

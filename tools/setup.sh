#!/usr/bin/env bash
# README command 1: install what is missing, build (Release), run the default campaign.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
echo
echo "== lsmc explore --all: every scenario, and every mutant on its scenarios =="
build/tools/lsmc explore --all

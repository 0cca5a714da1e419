#!/usr/bin/env bash
# Builds and runs the early-fork-failure experiment (root): a fork refused by RLIMIT_NPROC, and
# the control (no limit: the fork succeeds).
set -euo pipefail
cd "$(dirname "$0")"
out=${OUT:-/tmp/lsmc-fork-failure}
. ../lib.sh
build_experiment "$out" fork
uname -r
echo "== a process at its RLIMIT_NPROC forks"
timeout 30 "$out/fork" "$out/fork.bpf.o" 1 || true
echo "== control: no limit, the fork succeeds"
timeout 30 "$out/fork" "$out/fork.bpf.o" 0 || true

#!/usr/bin/env bash
# Builds and runs the failed-clone experiment (root): with optmem_max lowered, and the control.
set -euo pipefail
cd "$(dirname "$0")"
out=${OUT:-/tmp/lsmc-sk-clone}
. ../lib.sh
build_experiment "$out" clone
uname -r
echo "== optmem_max lowered below the filter's charge, then one connection"
timeout 30 "$out/clone" "$out/clone.bpf.o" 1 || true
echo "== control: optmem_max left alone"
timeout 30 "$out/clone" "$out/clone.bpf.o" 0 || true
echo "== control: optmem_max lowered, no connection"
timeout 30 "$out/clone" "$out/clone.bpf.o" 2 || true

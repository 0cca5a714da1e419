#!/usr/bin/env bash
# Builds and runs the special-fields experiment on this machine's kernel (root): which special
# fields map creation accepts in local storage values, and a uptr value updated with BPF_F_LOCK.
set -euo pipefail
cd "$(dirname "$0")"
out=${OUT:-/tmp/lsmc-special-fields}
. ../lib.sh
build_experiment "$out" fields
uname -r
timeout 30 "$out/fields" "$out/fields.bpf.o" || true

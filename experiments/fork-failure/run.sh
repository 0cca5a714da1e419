#!/usr/bin/env bash
# Builds and runs the early-fork-failure experiment (root): a fork refused by RLIMIT_NPROC, and
# the control (no limit: the fork succeeds).
set -euo pipefail
cd "$(dirname "$0")"
out=${OUT:-/tmp/lsmc-fork-failure}
mkdir -p "$out"
bpftool btf dump file /sys/kernel/btf/vmlinux format c >"$out/vmlinux.h"
clang-19 -target bpf -g -O2 -D__TARGET_ARCH_x86 -I"$out" -c fork.bpf.c -o "$out/fork.bpf.o"
cc -O2 -Wall -Wextra -o "$out/fork" fork.c -lbpf
uname -r
echo "== a process at its RLIMIT_NPROC forks"
timeout 30 "$out/fork" "$out/fork.bpf.o" 1 || true
echo "== control: no limit, the fork succeeds"
timeout 30 "$out/fork" "$out/fork.bpf.o" 0 || true

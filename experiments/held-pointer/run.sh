#!/usr/bin/env bash
# Builds and runs the held-pointer experiment on this machine's kernel (root). Prints what the
# program read and wrote after the task it held storage of was reaped (see hold.c).
set -euo pipefail
cd "$(dirname "$0")"
out=${OUT:-/tmp/lsmc-held-pointer}
mkdir -p "$out"
bpftool btf dump file /sys/kernel/btf/vmlinux format c >"$out/vmlinux.h"
clang-19 -target bpf -g -O2 -D__TARGET_ARCH_x86 -I"$out" -c hold.bpf.c -o "$out/hold.bpf.o"
cc -O2 -Wall -Wextra -o "$out/hold" hold.c -lbpf -lpthread
uname -r
echo "== the program releases the task before it sleeps"
timeout 30 "$out/hold" "$out/hold.bpf.o" || true
echo "== control: it keeps the task reference across the sleep"
timeout 30 "$out/hold" "$out/hold.bpf.o" late || true

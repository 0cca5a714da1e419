#!/usr/bin/env bash
# Records, for every function of the model's table (model/linux/functions.hpp), whether the
# running kernel can attach a fentry/fexit program to it: a FUNC of that name in its BTF
# (bpf_check_attach_target() looks it up by name) and a symbol of that name, or only a
# .constprop/.isra clone, in /proc/kallsyms. Run as root on the kernel the profile is for; writes
# data/attach-points-linux-MAJOR.MINOR.txt, which tests/test_functions.cpp checks the table against.
set -euo pipefail
cd "$(dirname "$0")/.."
lsmc=build/tools/lsmc
[ -x "$lsmc" ] || { echo "build first: tools/test.sh" >&2; exit 2; }
command -v bpftool >/dev/null || { echo "record-attach-points: bpftool is missing" >&2; exit 2; }
release=$(uname -r)
version=$(echo "$release" | sed -E 's/^([0-9]+\.[0-9]+).*/\1/')
out=data/attach-points-linux-$version.txt
funcs=$(mktemp)
syms=$(mktemp)
trap 'rm -f "$funcs" "$syms"' EXIT
bpftool btf dump file /sys/kernel/btf/vmlinux | sed -nE "s/^\[[0-9]+\] FUNC '([^']+)'.*/\1/p" | sort -u >"$funcs"
awk '{print $3}' /proc/kallsyms | sort -u >"$syms"
{
  echo "# fentry/fexit attachability of the model's functions on Linux $release"
  echo "# (tools/record-attach-points.sh: BTF FUNC by name, /proc/kallsyms); name btf symbol"
  "$lsmc" list --functions | awk '{print $1}' | while read -r name; do
    btf=no
    grep -qxF "$name" "$funcs" && btf=yes
    sym=$(grep -E "^${name}(\.(constprop|isra|part)\.[0-9]+)?$" "$syms" | head -1 || true)
    echo "$name $btf ${sym:-none}"
  done
} >"$out"
echo "wrote $out"

#!/usr/bin/env bash
# Builds and runs the held-pointer experiments on this machine's kernel (root): a task storage
# value (hold.c) and a cgroup storage value (cg_hold.c, cgroup v2) kept across a sleep past their
# owner's life, each with its control.
set -euo pipefail
cd "$(dirname "$0")"
out=${OUT:-/tmp/lsmc-held-pointer}
. ../lib.sh
build_experiment "$out" hold cg_hold reuse
cgroup2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
uname -r
if [ -z "$cgroup2" ]; then
  echo "hold: no cgroup v2 mount"  # check.sh takes this for a set-up failure
  exit 0
fi
echo "== task storage: the program releases the task before it sleeps"
timeout 30 "$out/hold" "$out/hold.bpf.o" || true
echo "== task storage, control: it keeps the task reference across the sleep"
timeout 30 "$out/hold" "$out/hold.bpf.o" late || true
echo "== allocator reuse, no program asleep: does a new task's element take a freed one?"
timeout 60 "$out/reuse" "$out/reuse.bpf.o" || true
echo "== cgroup storage: the program releases the cgroup before it sleeps"
timeout 30 "$out/cg_hold" "$out/cg_hold.bpf.o" early "$cgroup2" || true
echo "== cgroup storage, control: it keeps the cgroup reference across the sleep"
timeout 30 "$out/cg_hold" "$out/cg_hold.bpf.o" late "$cgroup2" || true

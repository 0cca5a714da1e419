#!/usr/bin/env bash
# The held-pointer experiments as a test: on this kernel (6.18) a sleepable program that released
# its task (or cgroup) reference before sleeping writes into another task's (cgroup's) element,
# and each control (the reference kept across the sleep) writes nowhere else. Exits 77 (skipped) without root or BTF.
set -uo pipefail
cd "$(dirname "$0")"
if [ "$(id -u)" -ne 0 ] || [ ! -e /sys/kernel/btf/vmlinux ]; then
  echo "skipped: needs root and /sys/kernel/btf/vmlinux"
  exit 77
fi
out=$(./run.sh 2>&1)
status=$?
echo "$out"
# A build or set-up failure (no clang-19, no userfaultfd, no network namespace, ...) is no evidence
# either way: skipped, not failed.
if [ "$status" -ne 0 ] || echo "$out" | grep -qE '^(hold|clone|fork): '; then
  echo "skipped: the experiment could not be built or set up here"
  exit 77
fi
results=$(echo "$out" | grep '^RESULT')
expect() {  # line N of the results starts with TEXT
  [ "$(echo "$results" | sed -n "$1p" | cut -c1-${#2})" = "$2" ] || { echo "FAIL: result $1 is not: $2"; exit 1; }
}
expect 1 "RESULT: the program's write after the sleep landed in another task's element"
expect 2 "RESULT: no other task's element was written"
expect 3 "RESULT: the program's write after the sleep landed in another cgroup's element"
expect 4 "RESULT: no other cgroup's element was written"
echo "PASS: as recorded in docs/model.md (Program-held pointers)"

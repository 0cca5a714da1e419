#!/usr/bin/env bash
# The early-fork-failure experiment as a test: on this kernel (6.18.44) a fork refused by
# RLIMIT_NPROC leaves the forking task's storage alone, because the stable fix "bpf,fork: wipe
# ->bpf_storage before bailouts that access it" is in; the v6.18 source the model follows
# (scenario fork-early-failure) has the bug.
set -uo pipefail
cd "$(dirname "$0")"
. ../lib.sh
run_experiment
echo "$out" | grep -q "the child's fork failed (RLIMIT_NPROC 1)" || { echo "FAIL: the limited fork did not fail"; exit 1; }
expect 1 "RESULT: the child still has its element"
expect 2 "RESULT: the child still has its element"
echo "PASS: as recorded in docs/model.md (fork-early-failure)"

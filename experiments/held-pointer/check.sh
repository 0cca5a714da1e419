#!/usr/bin/env bash
# The held-pointer experiments as a test: on this kernel (6.18) a sleepable program that released
# its task (or cgroup) reference before sleeping writes into another task's (cgroup's) element,
# and each control (the reference kept across the sleep) writes nowhere else.
set -uo pipefail
cd "$(dirname "$0")"
. ../lib.sh
run_experiment
expect 1 "RESULT: the program's write after the sleep landed in another task's element"
expect 2 "RESULT: no other task's element was written"
expect 3 "RESULT: the program's write after the sleep landed in another cgroup's element"
expect 4 "RESULT: no other cgroup's element was written"
echo "PASS: as recorded in docs/model.md (Program-held pointers)"

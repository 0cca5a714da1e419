#!/usr/bin/env bash
# The failed-clone experiment as a test: on this kernel (6.18) a socket clone that fails at
# sk_filter_charge() destroys the listener's sk storage; neither control (no lowered optmem_max;
# lowered but no connection) loses it.
set -uo pipefail
cd "$(dirname "$0")"
. ../lib.sh
run_experiment
expect 1 "RESULT: the listener's element is gone"
expect 2 "RESULT: the listener still has its element"
expect 3 "RESULT: the listener still has its element"
echo "PASS: as recorded in docs/model.md (sk storage: a failed clone)"

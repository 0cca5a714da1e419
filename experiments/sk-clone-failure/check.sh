#!/usr/bin/env bash
# The failed-clone experiment as a test: a socket clone that fails at sk_filter_charge() destroys
# the listener's sk storage on 6.18.44-fc-v1272 (docs/model.md); neither control (no lowered
# optmem_max; lowered but no connection) loses it.
# The kernel builds on which a failed clone was seen to keep the listener's element are listed in
# kept_on, those where it destroyed it in gone_on: there result 1 must say so. On a build in
# neither list, the element gone passes (the recorded finding) and the element kept is reported
# and skipped (77): evidence about an unrecorded build, to be checked and listed, not a failure.
# Skipped (77, no evidence either way) when no clone failed in the lowered-optmem_max run
# (ListenDrops - ListenOverflows is 0).
set -uo pipefail
cd "$(dirname "$0")"
. ../lib.sh
# 2026-12-07, a fresh machine: the clone failed (one child not created) and the element was kept,
# in 8 runs of 8 (docs/model.md).
kept_on="6.18.44-fc-v1300"
gone_on="6.18.44-fc-v1272"
run_experiment
expect 2 "RESULT: the listener still has its element"
expect 3 "RESULT: the listener still has its element"
failed=$(echo "$out" | sed -n 's/^children not created (ListenDrops - ListenOverflows): //p' | sed -n 1p)
gone="RESULT: the listener's element is gone"
if [ "$(echo "$results" | sed -n 1p | cut -c1-${#gone})" != "$gone" ] && [ "$failed" = "0" ]; then
  echo "skipped: no clone failed in the lowered-optmem_max run (ListenDrops - ListenOverflows 0): no evidence either way"
  exit 77
fi
if echo " $kept_on " | grep -qF " $(uname -r) "; then
  expect 1 "RESULT: the listener still has its element"
  echo "PASS: on $(uname -r) a failed clone keeps the listener's element, as recorded in docs/model.md (sk storage: a failed clone)"
  exit 0
fi
kept="RESULT: the listener still has its element"
if ! echo " $gone_on " | grep -qF " $(uname -r) " && [ "$(echo "$results" | sed -n 1p | cut -c1-${#kept})" = "$kept" ]; then
  echo "skipped: on $(uname -r), a build in neither kept_on nor gone_on, a failed clone kept the listener's element (fc-v1272 destroyed it, fc-v1300 keeps it): list this build after checking"
  exit 77
fi
expect 1 "$gone"
echo "PASS: as recorded in docs/model.md (sk storage: a failed clone)"

#!/usr/bin/env bash
# Regenerates tests/golden/MUTANT.trace, the first counterexample of each mutant at seed 1 on its
# first scenario, and tests/golden-min/MUTANT.trace, the same minimised. Run it when a model change
# is meant to change behaviour; review the diff.
set -euo pipefail
cd "$(dirname "$0")/.."
lsmc=build/tools/lsmc
[ -x "$lsmc" ] || { echo "build first: tools/test.sh" >&2; exit 2; }
mkdir -p tests/golden tests/golden-min
for m in $("$lsmc" list --mutants | awk '{print $1}'); do
  scenario=$("$lsmc" list --mutants | awk -v m="$m" '$1 == m' | sed 's/.*\[scenarios: \([^],]*\).*/\1/')
  "$lsmc" explore --mutant "$m" --scenario "$scenario" --seed 1 --executions 20000 \
    --trace-out "tests/golden/$m.trace" --minimize >/dev/null || true
  mv "tests/golden/$m.min.trace" "tests/golden-min/$m.trace"
  echo "tests/golden/$m.trace tests/golden-min/$m.trace"
done

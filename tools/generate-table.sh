#!/usr/bin/env bash
# Regenerates the `lsmc generate` tables of docs/performance.md (issue 12): for each kernel profile,
# the unmutated model on CASES generated scenarios (default 2000: it must find nothing), then every
# mutant `lsmc list --mutants` marks [generate] on each profile it declares, at generate's default
# settings (seed 1). Prints Markdown: result, the scenario it was found at (tests/generate-found-at.txt
# records it), scenarios run (shrinking included), CPU seconds.
# Exits 1 if the unmutated model has a finding or a mutant is not found, so it is also the check.
# About 2 minutes of CPU in all on the 2-core VM; run it on a quiet machine for comparable seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
lsmc=${LSMC:-build/tools/lsmc}
[ -x "$lsmc" ] || { echo "build first: tools/test.sh" >&2; exit 2; }
cases=${CASES:-2000}
case "$cases" in '' | *[!0-9]*) echo "CASES must be a number, not '$cases'" >&2; exit 2 ;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0

# run NAME found|clean ARGS...: one generate run; prints a table row; fails if the outcome is not
# the expected one.
run() {
  local name=$1 expect=$2 cpu
  shift 2
  local TIMEFORMAT=%U
  cpu=$( { time "$lsmc" generate --json --trace-out "$tmp/t.trace" "$@" >"$tmp/out.json" 2>"$tmp/err" || true; } 2>&1 )
  python3 - "$tmp/out.json" "$cpu" "$expect" "$name" <<'PY'
import json, sys
path, cpu, expect, name = sys.argv[1:]
try:
    j = json.load(open(path))
except ValueError:
    print("| %s | error (no JSON) | - | - | %s |" % (name, cpu)); sys.exit(1)
found = j["outcome"] == "violation"
result = "VIOLATION of %s" % j["property"] if found else "nothing found"
print("| %s | %s | %s | %d | %s |" % (name, result, j.get("found_at_case", "-"), j["cases"], cpu))
sys.exit(0 if found == (expect == "found") else 1)
PY
}

# The [generate] mutants that declare the profile $1.
mutants_of() {
  "$lsmc" list --mutants | grep -F '[generate]' |
    sed -n 's/^\([^ ]*\) .*\[profiles: \([^]]*\)\].*/\1 \2/p' |
    awk -v p="$1" '{ n = split($2, ps, ","); for (i = 1; i <= n; ++i) if (ps[i] == p) print $1 }'
}

for profile in linux-6.18 linux-7.0; do
  echo "### lsmc generate --profile $profile (seed 1)"
  echo
  echo "| mutant | result | found at | cases | CPU seconds |"
  echo "|---|---|---|---|---|"
  run "none (the unmutated model, --cases $cases)" clean --profile "$profile" --cases "$cases" || status=1
  for m in $(mutants_of "$profile"); do
    run "$m" found --mutant "$m" --profile "$profile" || status=1
  done
  echo
done
exit $status

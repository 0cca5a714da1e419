#!/usr/bin/env bash
# Instructions per execution (callgrind: deterministic, so a regression shows in a diff) and
# executions per second, for the canonical scenarios. Prints a Markdown table for
# docs/performance.md. The count is the difference between runs of N2 and N1 executions divided
# by N2 - N1, so start-up cost cancels out.
set -euo pipefail
cd "$(dirname "$0")/.."
lsmc=${LSMC:-build/tools/lsmc}
[ -x "$lsmc" ] || { echo "build first: tools/test.sh" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 2; }
n1=200
n2=1200
instructions() {  # scenario executions
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$lsmc" explore --scenario "$1" --strategy random \
    --executions "$2" --trace-out /dev/null 2>&1 >/dev/null | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
echo "| scenario | instructions / execution | steps / execution | executions / s |"
echo "|---|---|---|---|"
for s in lost-update-locked lock-ordered qmap create-race delete-vs-lookup delete-vs-cachefill exit-vs-mapfree; do
  a=$(instructions "$s" $n1)
  b=$(instructions "$s" $n2)
  read -r steps rate < <("$lsmc" explore --scenario "$s" --strategy random --executions 100000000 --seconds 3 --json |
    python3 -c 'import json,sys; j=json.load(sys.stdin); print("%.1f %.0f" % (j["steps"]/j["executions"], j["executions"]/j["seconds"]))')
  echo "| $s | $(( (b - a) / (n2 - n1) )) | $steps | $rate |"
done

#!/usr/bin/env bash
# Regenerates the measurement tables of docs/performance.md (issue 5): executions and seconds to
# the first finding per mutant and strategy (SCTBench protocol, one core, a 10 s cap per cell),
# DPOR against unbounded DFS on small scenarios, and --jobs scaling. Prints Markdown.
set -euo pipefail
cd "$(dirname "$0")/.."
lsmc=${LSMC:-build/tools/lsmc}
[ -x "$lsmc" ] || { echo "build first: tools/test.sh" >&2; exit 2; }
cap=${CAP_SECONDS:-10}

cell() {  # mutant scenario strategy extra...
  local m=$1 s=$2 st=$3; shift 3
  local out
  out=$("$lsmc" explore --mutant "$m" --scenario "$s" --strategy "$st" --executions 100000000 \
        --seconds "$cap" --json --trace-out /dev/null "$@" 2>/dev/null || true)
  python3 -c '
import json, sys
if not sys.argv[1].strip():
    print("error"); sys.exit(0)
j = json.loads(sys.argv[1])
if j.get("outcome") == "violation":
    print("%d / %.2f s" % (j["execution"] + 1, j["seconds"]))
else:
    print("not found (%d, %.0f s)" % (j["executions"], j["seconds"]))
' "$out"
}

echo "### Executions / seconds to the first finding (seed 1, cap ${cap} s)"
echo
echo "| mutant | scenario | portfolio | random | pct d=1 | pct d=2 | pct d=3 | dfs bound 2 | icb to 3 | dpor |"
echo "|---|---|---|---|---|---|---|---|---|---|"
"$lsmc" list --mutants | while read -r m rest; do
  s=$(echo "$rest" | sed 's/.*\[scenarios: \([^],]*\).*/\1/')
  row="| $m | $s"
  row+=" | $(cell "$m" "$s" portfolio)"
  row+=" | $(cell "$m" "$s" random)"
  for d in 1 2 3; do row+=" | $(cell "$m" "$s" pct --set pct_depth=$d)"; done
  row+=" | $(cell "$m" "$s" dfs --set preemption_bound=2)"
  row+=" | $(cell "$m" "$s" icb --set preemption_bound=3)"
  row+=" | $(cell "$m" "$s" dpor)"
  echo "$row |"
done

exhaust() {  # scenario strategy params...
  local s=$1 st=$2; shift 2
  "$lsmc" explore --scenario "$s" --strategy "$st" --executions 100000000 --seconds 60 --json \
    --set preemption_bound=1000000 "$@" 2>/dev/null | python3 -c '
import json, sys
j = json.load(sys.stdin)
done = j.get("stop_reason") == "space exhausted"
print("%d%s / %.2f s" % (j["executions"], "" if done else " (not exhausted)", j["seconds"]))'
}

echo
echo "### Executions to exhaust (unbounded DFS against DPOR)"
echo
echo "| scenario | params | dfs (no bound) | dpor |"
echo "|---|---|---|---|"
for spec in "lost-update-locked|actors=2 increments=1" "lost-update-locked|actors=2 increments=3" \
            "lost-update-locked|actors=3 increments=1" "lost-update-locked|actors=3 increments=2" \
            "lost-update-locked|actors=4 increments=1" "lock-ordered|rounds=2" "create-race|" "null-owner|"; do
  s=${spec%%|*}; p=${spec#*|}
  args=()
  for kv in $p; do args+=(--param "$kv"); done
  echo "| $s | ${p:--} | $(exhaust "$s" dfs "${args[@]}") | $(exhaust "$s" dpor "${args[@]}") |"
done

echo
echo "### --jobs scaling (portfolio, qmap, 20 s each)"
echo
for j in 1 2; do
  "$lsmc" explore --scenario qmap --jobs $j --seconds 20 --executions 100000000 --json 2>/dev/null |
    python3 -c 'import json,sys; j=json.load(sys.stdin); print("- jobs '$j': %.0f executions/s" % (j["executions"]/j["seconds"]))'
done

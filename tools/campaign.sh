#!/usr/bin/env bash
# The unmutated model against every scenario: N executions each (default 100000), one line per
# scenario. Used for docs/campaign.md. Exits 1 if any scenario finds something.
set -uo pipefail
cd "$(dirname "$0")/.."
lsmc=build/tools/lsmc
n=${1:-100000}
seed=${2:-1}
status=0
printf '%-22s %10s %8s %12s  %s\n' scenario executions seconds "exec/s" result
for s in $("$lsmc" list | awk '{print $1}'); do
  case "$s" in lost-update|lock-inversion|delete-vs-replace) continue ;; esac  # declared failing
  out=$("$lsmc" explore --scenario "$s" --executions "$n" --seed "$seed" --json 2>&1)
  code=$?
  result=$(printf '%s' "$out" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["outcome"], j.get("verdict",{}).get("message",""), "probes never hit:" , ",".join(j["probes_never_hit"]) or "-")' 2>/dev/null || echo "$out" | tail -1)
  printf '%-22s %10s %8s %12s  %s\n' "$s" \
    "$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["executions"])' 2>/dev/null)" \
    "$(printf '%s' "$out" | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["seconds"],1))' 2>/dev/null)" \
    "$(printf '%s' "$out" | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["executions_per_second"]))' 2>/dev/null)" \
    "$result"
  [ "$code" -ne 0 ] && status=1
done
exit $status

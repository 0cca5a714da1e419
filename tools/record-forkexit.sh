#!/usr/bin/env bash
# Records a real fork/exit sequence on this machine from the sched_process_fork and
# sched_process_exit tracepoints (tracefs; run as root) while a workload runs, and writes it as
# "fork PARENT CHILD" / "exit PID" lines in kernel order. The design report
# (lsmc report --design) replays it through the proposal's allocator.
# Usage: tools/record-forkexit.sh OUT [COMMAND...]   (default workload: syntax-check sim/*.cpp, -j2)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: tools/record-forkexit.sh OUT [COMMAND...]}
shift || true
t=/sys/kernel/tracing
[ -d "$t/events" ] || mount -t tracefs nodev "$t"
echo > "$t/trace"
echo 1 > "$t/events/sched/sched_process_fork/enable"
echo 1 > "$t/events/sched/sched_process_exit/enable"
echo 1 > "$t/tracing_on"
if [ $# -gt 0 ]; then
  "$@" >/dev/null 2>&1 || true
else
  ls sim/*.cpp | xargs -P 2 -I{} g++ -std=c++20 -I. -fsyntax-only {} >/dev/null 2>&1 || true
fi
echo 0 > "$t/tracing_on"
echo 0 > "$t/events/sched/sched_process_fork/enable"
echo 0 > "$t/events/sched/sched_process_exit/enable"
{
  echo "# fork/exit sequence recorded on $(uname -n) ($(uname -r)) on $(date -u +%Y-%m-%d) by tools/record-forkexit.sh"
  sed -n -e 's/.*sched_process_fork: comm=.* pid=\([0-9]*\) child_comm=.* child_pid=\([0-9]*\).*/fork \1 \2/p' \
         -e 's/.*sched_process_exit: comm=.* pid=\([0-9]*\) prio=.*/exit \1/p' "$t/trace"
} > "$out"
echo > "$t/trace"
echo "wrote $out: $(grep -c '^fork' "$out") forks, $(grep -c '^exit' "$out") exits"

#!/usr/bin/env bash
# SPIN against lsmc on the cache-fill/delete protocol: each side exhausts the same configurations
# (SPIN: tools/spin/cachefill.pml; lsmc: scenario cachefill-protocol with DPOR, one core), and
# each finds the first counterexample of the cache-fill-without-recheck mutant (bug 16). Prints
# time and peak memory of each run, then the ratio table last. A benchmark, not a test: exits 1
# when lsmc does not exhaust a configuration within the time limit, 2 on bad usage or a missing
# tool.
#
# Granularity differs: a SPIN step is one statement of the Promela model, which has only the
# protocol's accesses; an lsmc step is one shared access of the model's 6.18 functions (busy
# counter, owner pointer, bucket lock and the map side of an unlink, RCU state, allocator). SPIN
# counts states (with partial-order reduction and a hash table of visited states); lsmc counts
# executions (DPOR: one per class of equivalent schedules, nothing stored).
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  cat <<'EOF'
usage: tools/spin-peer.sh [--configs "R,D,M,S,L ..."] [--seconds N] [--runs N] [--jobs N] [--lsmc PATH]
                          [--strategy NAME] [--no-mutant]
  --configs   configurations as readers,deleters,maps,slots,lookups
              (default: SPIN's four, "1,1,1,1,2 2,1,2,1,2 2,2,3,2,2 3,2,3,2,2")
  --seconds   time limit of each exhaustive run on each side (default 600)
  --runs      runs of each side per configuration, interleaved SPIN, lsmc, SPIN, lsmc, ...;
              the table gives medians (default 1)
  --jobs      lsmc's worker threads (explore --jobs: dfs and dpor split by decision prefix;
              default 1, one core as SPIN's pan)
  --lsmc      the lsmc binary (default build/tools/lsmc)
  --strategy  lsmc's exhaustive strategy (default dpor)
  --no-mutant skip the time-to-counterexample runs of cache-fill-without-recheck
Times: wall seconds and CPU seconds (user + system) of each run; on a loaded machine compare the
CPU seconds.
Needs spin and gcc (Debian: apt-get install spin).
EOF
}

configs="1,1,1,1,2 2,1,2,1,2 2,2,3,2,2 3,2,3,2,2"
seconds=600
runs=1
jobs=1
mutant=1
lsmc=build/tools/lsmc
strategy=dpor
while [ $# -gt 0 ]; do
  case "$1" in
    --configs) configs="${2:?}"; shift 2 ;;
    --seconds) seconds="${2:?}"; shift 2 ;;
    --runs) runs="${2:?}"; shift 2 ;;
    --jobs) jobs="${2:?}"; shift 2 ;;
    --no-mutant) mutant=0; shift ;;
    --lsmc) lsmc="${2:?}"; shift 2 ;;
    --strategy) strategy="${2:?}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "spin-peer: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "spin-peer: --seconds wants a number, not '$seconds'" >&2; exit 2; }
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "spin-peer: --runs wants a positive number, not '$runs'" >&2; exit 2; }
[[ "$jobs" =~ ^[1-9][0-9]*$ ]] || { echo "spin-peer: --jobs wants a positive number, not '$jobs'" >&2; exit 2; }
for tool in spin gcc /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "spin-peer: $tool not found (Debian: apt-get install spin gcc time)" >&2; exit 2; }
done
[ -x "$lsmc" ] || { echo "spin-peer: $lsmc not built (cmake --build build --target lsmc)" >&2; exit 2; }
for c in $configs; do
  [[ "$c" =~ ^[0-9]+,[0-9]+,[0-9]+,[0-9]+,[0-9]+$ ]] || { echo "spin-peer: bad configuration '$c' (want R,D,M,S,L)" >&2; exit 2; }
done

model="$PWD/tools/spin/cachefill.pml"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# spin_run NAME DEFINES: compiles and runs pan; sets s_secs, s_mb, s_states, s_result.
spin_run() {
  local dir="$work/$1"
  mkdir -p "$dir"
  (cd "$dir" && spin -a $2 "$model" >spin.out 2>&1 && gcc -O2 -w -DSAFETY -DMEMLIM=8192 -o pan pan.c) ||
    { echo "spin-peer: building the SPIN model failed ($dir)" >&2; cat "$dir/spin.out" >&2; exit 2; }
  (cd "$dir" && timeout "$seconds" /usr/bin/time -f "TIME %e %M %U %S" ./pan -m200000 >pan.out 2>&1) || true
  s_secs=$(awk '/^TIME/ {print $2}' "$dir/pan.out"); s_secs=${s_secs:-$seconds}
  s_cpu=$(awk '/^TIME/ {printf "%.2f", $4 + $5}' "$dir/pan.out"); s_cpu=${s_cpu:-$seconds}
  s_mb=$(awk '/^TIME/ {printf "%.0f", $3 / 1024}' "$dir/pan.out")
  s_states=$(awk '/states, stored/ {print $1; exit}' "$dir/pan.out")
  if grep -q "assertion violated" "$dir/pan.out"; then s_result=counterexample
  elif grep -qE "out of memory|search depth too small" "$dir/pan.out" || ! grep -q "errors: 0" "$dir/pan.out"; then
    s_result="not exhausted"
  else s_result=exhausted
  fi
}

# lsmc_run ARGS...: sets l_secs, l_mb, l_execs, l_result.
lsmc_run() {
  local out="$work/lsmc.out"
  timeout $((seconds + 30)) /usr/bin/time -f "TIME %e %M %U %S" "$lsmc" explore --scenario cachefill-protocol \
    --executions 1000000000000 --seconds "$seconds" "$@" >"$out" 2>&1 || true
  l_secs=$(awk '/^TIME/ {print $2}' "$out"); l_secs=${l_secs:-$seconds}
  l_cpu=$(awk '/^TIME/ {printf "%.2f", $4 + $5}' "$out"); l_cpu=${l_cpu:-$seconds}
  l_mb=$(awk '/^TIME/ {printf "%.0f", $3 / 1024}' "$out")
  l_execs=$(sed -n 's/^  \([0-9]*\) executions in.*/\1/p' "$out" | head -1)
  if grep -q "^result: VIOLATION" "$out"; then l_result=counterexample
  elif grep -q "executions explored" "$out"; then l_result=exhausted
  else l_result="not exhausted"
  fi
}

params() {
  IFS=, read -r r d m s l <<<"$1"
  spin_defs="-DREADERS=$r -DDELETERS=$d -DMAPS=$m -DSLOTS=$s -DLOOKUPS=$l"
  lsmc_params=(--param "readers=$r" --param "deleters=$d" --param "maps=$m" --param "slots=$s" --param "lookups=$l")
}

# median V...: the middle value (the lower middle of an even count).
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

echo "spin-peer: $(spin -V | head -1); lsmc strategy $strategy, $jobs job(s), limit ${seconds} s, $runs run(s) each"
rows=()
failed=0
for c in $configs; do
  params "$c"
  sw=(); sc=(); lw=(); lc=()
  for ((run = 1; run <= runs; run++)); do
    spin_run "exhaust-${c//,/-}" "$spin_defs"
    echo "  ($c) run $run SPIN: $s_result, ${s_states:-?} states, ${s_secs} s (cpu ${s_cpu} s), ${s_mb} MB"
    lsmc_run "${lsmc_params[@]}" --strategy "$strategy" --jobs "$jobs"
    echo "  ($c) run $run lsmc: $l_result, ${l_execs:-?} executions, ${l_secs} s (cpu ${l_cpu} s), ${l_mb} MB"
    sw+=("$s_secs"); sc+=("$s_cpu"); lw+=("$l_secs"); lc+=("$l_cpu")
    [ "$l_result" = exhausted ] || failed=1
  done
  s_secs=$(median "${sw[@]}"); s_cpu=$(median "${sc[@]}"); l_secs=$(median "${lw[@]}"); l_cpu=$(median "${lc[@]}")
  ratio=$(awk -v a="$l_cpu" -v b="$s_cpu" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }')
  rows+=("| ($c) | $s_result | ${s_states:-?} | $s_secs | $s_cpu | $s_mb | $l_result | ${l_execs:-?} | $l_secs | $l_cpu | $l_mb | $ratio |")
done

# Time to the first counterexample of bug 16 at the smallest configuration and the largest.
mrows=()
[ "$mutant" = 1 ] || configs_mutant=""
for c in ${configs_mutant-$(echo "$configs" | awk '{print $1; if (NF > 1) print $NF}')}; do
  params "$c"
  spin_run "mutant-${c//,/-}" "$spin_defs -DMUTANT"
  m_spin="$s_result in $s_secs s"
  lsmc_run "${lsmc_params[@]}" --mutant cache-fill-without-recheck
  m_port="$l_result in $l_secs s (${l_execs:-?} executions)"
  lsmc_run "${lsmc_params[@]}" --mutant cache-fill-without-recheck --strategy "$strategy"
  m_dpor="$l_result in $l_secs s (${l_execs:-?} executions)"
  mrows+=("| ($c) | $m_spin | $m_port | $m_dpor |")
done

if [ "${#mrows[@]}" -gt 0 ]; then
  echo
  echo "First counterexample of cache-fill-without-recheck:"
  echo "| config (R,D,M,S,L) | SPIN | lsmc portfolio | lsmc $strategy |"
  echo "|---|---|---|---|"
  printf '%s\n' "${mrows[@]}"
fi
echo
echo "Exhaustive search of the fixed protocol (medians of $runs; ratio: lsmc CPU s / SPIN CPU s):"
echo "| config (R,D,M,S,L) | SPIN | states | s | CPU s | MB | lsmc | executions | s | CPU s | MB | CPU ratio |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
if [ "$failed" -ne 0 ]; then
  echo "spin-peer: lsmc did not exhaust every configuration within ${seconds} s" >&2
  exit 1
fi

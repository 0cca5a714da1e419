#!/usr/bin/env bash
# Builds lsmc's libFuzzer targets (clang, with ASan and UBSan) and runs them.
#   tools/fuzz.sh SECONDS            trace, merge and litmus, SECONDS split evenly between them (CI: 60)
#   tools/fuzz.sh SECONDS TARGET     one target for SECONDS: trace, merge, litmus or checkpoint
# Targets and their seed corpora:
#   trace   fuzz/fuzz_trace_reader.cpp, the trace reader     tests/golden*, tests/fuzz_regressions
#   merge   fuzz/fuzz_merge_json.cpp, lsmc merge's JSON input tests/fuzz_merge
#   litmus  fuzz/fuzz_litmus_reader.cpp, the litmus reader    tests/litmus
#   checkpoint  fuzz/fuzz_checkpoint_state.cpp, a tree search's saved state (explore --resume)
#               tests/fuzz_checkpoint (first byte: 0 dfs, 1 icb, 2 dpor; then the state); not in the
#               CI run (`all`), run it when the state format changes: tools/fuzz.sh 600 checkpoint
# A crash leaves its input in build-fuzz/crash-*; turn it into a regression test (the target's
# corpus directory above) and fix the reader. The long run (docs/traces.md): tools/fuzz.sh 600 trace,
# then tools/fuzz.sh 600 merge, at low priority (nice) on a shared machine.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
target=${2:-all}
cxx=$(command -v clang++-14 || command -v clang++ || true)
[ -n "$cxx" ] || { echo "fuzz: clang++ is not installed" >&2; exit 2; }
out=build-fuzz
flags=(-std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I.)

build() {
  case "$1" in
    trace)
      mkdir -p "$out/corpus"
      for f in tests/golden/*.trace; do cp "$f" "$out/corpus/full-$(basename "$f")"; done
      for f in tests/golden-min/*.trace; do cp "$f" "$out/corpus/min-$(basename "$f")"; done
      for f in tests/fuzz_regressions/*; do [ -f "$f" ] && cp "$f" "$out/corpus/regression-$(basename "$f")"; done
      "$cxx" "${flags[@]}" -DLSMC_VERSION='"fuzz"' fuzz/fuzz_trace_reader.cpp traces/trace.cpp traces/safe_text.cpp \
        sim/config.cpp sim/event.cpp sim/scenario.cpp model/env.cpp -o "$out/fuzz_trace_reader" ;;
    merge)
      mkdir -p "$out/merge-corpus"
      cp tests/fuzz_merge/* "$out/merge-corpus/"
      "$cxx" "${flags[@]}" fuzz/fuzz_merge_json.cpp tools/merge.cpp tools/merge_coverage.cpp traces/safe_text.cpp -o "$out/fuzz_merge_json" ;;
    litmus)
      mkdir -p "$out/litmus-corpus"
      find tests/litmus -name '*.litmus' -exec cp {} "$out/litmus-corpus/" \;
      "$cxx" "${flags[@]}" fuzz/fuzz_litmus_reader.cpp wmm/litmus/parser.cpp wmm/litmus/parser_code.cpp \
        wmm/litmus/parser_final.cpp wmm/litmus/lexer.cpp \
        wmm/litmus/interp.cpp wmm/litmus/primitives.cpp -o "$out/fuzz_litmus_reader" ;;
    checkpoint)
      mkdir -p "$out/checkpoint-corpus"
      cp tests/fuzz_checkpoint/* "$out/checkpoint-corpus/"
      "$cxx" "${flags[@]}" fuzz/fuzz_checkpoint_state.cpp sim/strategies/dfs.cpp sim/strategies/dpor.cpp sim/strategies/dpor_races.cpp sim/strategies/dpor_infeasible.cpp \
        sim/strategies/dpor_state.cpp sim/config.cpp -o "$out/fuzz_checkpoint_state" ;;
    *) echo "fuzz: unknown target '$1' (trace, merge, litmus, checkpoint)" >&2; exit 2 ;;
  esac
}

run() {
  local binary corpus max_len
  case "$1" in
    trace) binary=fuzz_trace_reader corpus=corpus max_len=65536 ;;
    merge) binary=fuzz_merge_json corpus=merge-corpus max_len=65536 ;;
    litmus) binary=fuzz_litmus_reader corpus=litmus-corpus max_len=16384 ;;
    checkpoint) binary=fuzz_checkpoint_state corpus=checkpoint-corpus max_len=65536 ;;
  esac
  echo "== fuzz $1: $2 s"
  (cd "$out" && "./$binary" -max_total_time="$2" -max_len="$max_len" -timeout=10 -print_final_stats=1 "$corpus" 2>&1 | tail -15)
  # libFuzzer exits non-zero on a crash, and the pipe keeps its status (pipefail).
}

mkdir -p "$out"
if [ "$target" = all ]; then
  targets=(trace merge litmus)  # (checkpoint: on demand; its build costs CI about a minute)
  share=$(( seconds / ${#targets[@]} ))
  [ "$share" -ge 1 ] || share=1
  for t in "${targets[@]}"; do build "$t"; done
  for t in "${targets[@]}"; do run "$t" "$share"; done
else
  build "$target"
  run "$target" "$seconds"
fi

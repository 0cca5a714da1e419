#!/usr/bin/env bash
# Builds the trace-reader fuzzer with clang's libFuzzer (plus ASan and UBSan) and runs it for
# SECONDS (default 60) on a corpus seeded with the golden traces. `tools/fuzz.sh SECONDS litmus`
# fuzzes the litmus reader instead (corpus: tests/litmus). A crash leaves its input in
# build-fuzz/crash-*; turn it into a regression test (tests/fuzz_regressions/) and fix the reader.
# CI runs 60 s; for a longer campaign: tools/fuzz.sh 3600.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
target=${2:-trace}
cxx=$(command -v clang++-14 || command -v clang++ || true)
[ -n "$cxx" ] || { echo "fuzz: clang++ is not installed" >&2; exit 2; }
out=build-fuzz
if [ "$target" = litmus ]; then
  mkdir -p "$out/litmus-corpus"
  find tests/litmus -name '*.litmus' -exec cp {} "$out/litmus-corpus/" \;
  "$cxx" -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I. \
    fuzz/fuzz_litmus_reader.cpp wmm/litmus/parser.cpp wmm/litmus/lexer.cpp wmm/litmus/interp.cpp \
    wmm/litmus/primitives.cpp -o "$out/fuzz_litmus_reader"
  cd "$out"
  ./fuzz_litmus_reader -max_total_time="$seconds" -max_len=16384 -timeout=10 -print_final_stats=1 litmus-corpus 2>&1 | tail -15
  exit 0
fi
mkdir -p "$out/corpus"
for f in tests/golden/*.trace; do cp "$f" "$out/corpus/full-$(basename "$f")"; done
for f in tests/golden-min/*.trace; do cp "$f" "$out/corpus/min-$(basename "$f")"; done
for f in tests/fuzz_regressions/*; do [ -f "$f" ] && cp "$f" "$out/corpus/regression-$(basename "$f")"; done
"$cxx" -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I. \
  -DLSMC_VERSION='"fuzz"' \
  fuzz/fuzz_trace_reader.cpp traces/trace.cpp sim/config.cpp sim/event.cpp sim/scenario.cpp model/env.cpp \
  -o "$out/fuzz_trace_reader"
cd "$out"
./fuzz_trace_reader -max_total_time="$seconds" -max_len=65536 -timeout=10 -print_final_stats=1 corpus 2>&1 | tail -15

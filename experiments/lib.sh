# Shared by the experiments' run.sh and check.sh scripts (sourced, not run).

# build_experiment OUT NAME...: vmlinux.h from the running kernel's BTF, then NAME.bpf.c (clang's
# BPF target) and its driver NAME.c (the system compiler, libbpf) for each NAME, into OUT.
build_experiment() {
  local out=$1
  shift
  mkdir -p "$out"
  bpftool btf dump file /sys/kernel/btf/vmlinux format c >"$out/vmlinux.h"
  local name
  for name in "$@"; do
    clang-19 -target bpf -g -O2 -D__TARGET_ARCH_x86 -I"$out" -c "$name.bpf.c" -o "$out/$name.bpf.o"
    cc -O2 -Wall -Wextra -o "$out/$name" "$name.c" -lbpf -lpthread
  done
}

# run_experiment: runs ./run.sh into $out and prints it. Exits 77 (skipped: no evidence either
# way) without root or BTF, or when the experiment could not be built or set up here (its driver
# prints "NAME: what: error" and exits 2).
run_experiment() {
  if [ "$(id -u)" -ne 0 ] || [ ! -e /sys/kernel/btf/vmlinux ]; then
    echo "skipped: needs root and /sys/kernel/btf/vmlinux"
    exit 77
  fi
  local status
  out=$(./run.sh 2>&1)
  status=$?
  echo "$out"
  if [ "$status" -ne 0 ] || echo "$out" | grep -qE '^(hold|clone|fork|fields): '; then
    echo "skipped: the experiment could not be built or set up here"
    exit 77
  fi
  results=$(echo "$out" | grep '^RESULT')
}

# expect N TEXT: line N of the RESULT lines starts with TEXT, or the check fails.
expect() {
  [ "$(echo "$results" | sed -n "$1p" | cut -c1-${#2})" = "$2" ] || { echo "FAIL: result $1 is not: $2"; exit 1; }
}

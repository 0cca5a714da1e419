#!/usr/bin/env bash
# Installs what lsmc needs to build and test, from Debian's packages (run as root). Installs
# nothing when everything is there already.
set -euo pipefail
packages=(
  build-essential cmake g++
  libboost-context-dev   # the engine's fibers (sim/fiber_pool.hpp)
  librapidcheck-dev libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev nlohmann-json3-dev
  graphviz                                  # dot, for trace drawings
  chromium fonts-dejavu-core                # the HTML report is tested in a real browser
  clang-19 bpftool libbpf-dev libelf-dev zlib1g-dev pkg-config   # the real-kernel backend
  clang-14 libclang-rt-14-dev               # libFuzzer, for tools/fuzz.sh
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: everything is installed"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing ${missing[*]}; run this script as root to install them" >&2
  exit 2
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"

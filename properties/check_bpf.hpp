// lsmc check-bpf (docs/mls.md, "Checking BPF C lsmc did not write"): a BPF C file's programs run
// as actors on lsmc's engine through the host build (model/bpfhost/), with the lifetime, race,
// context and deadlock checkers. The run is a scenario like any other, named by what it checks
// ("check-bpf:FILE#ENTRY[:CONTEXT],..."): explore, replay, minimize and render work on it, and the
// catalog makes it from its name again when a trace is replayed.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/env.hpp"
#include "sim/scenario.hpp"

namespace lsmc::properties {

inline constexpr std::string_view kCheckBpfPrefix = "check-bpf:";

// One entry point: a program of the file, run by one actor in a context, or once before the
// actors start (init: set-up, such as allocating the arena a data structure lives in).
struct BpfEntry {
  std::string program;
  model::ContextKind kind = model::ContextKind::kTask;
  bool init = false;
  int cpu = -1;  // the CPU it runs on; -1: the next one in turn
};

struct BpfCheck {
  std::string file;  // an absolute path
  std::vector<BpfEntry> entries;
};

// "NAME[:CONTEXT][@CPU]", CONTEXT one of task (the default), softirq, hardirq, nmi, init.
std::optional<BpfEntry> parse_bpf_entry(std::string_view text, std::string& error);
std::string bpf_check_name(const BpfCheck& check);
std::optional<BpfCheck> parse_bpf_check_name(std::string_view name, std::string& error);

// Where check-bpf's headers are (lsmc's vmlinux.h and the host build's bpf/ headers, from
// model/bpfhost): $LSMC_BPFHOST_DIR if set; else an installed lsmc's <prefix>/share/lsmc/bpfhost,
// found from the running executable; else model/bpfhost of the source tree lsmc was built from.
// Empty, with `error` set, if none holds them.
std::string bpfhost_dir(std::string& error);

// The host build and the BPF-target object of `file`, compiled into a cache directory named by
// its contents. On failure, `unsupported` names each helper, kfunc, type or field lsmc does not
// model (from the compiler's and the loader's errors), or `error` says what else went wrong.
struct BpfBuild {
  std::string so, obj;
  std::vector<std::string> unsupported;
  std::string error;
  bool ok() const { return error.empty() && unsupported.empty(); }
};
BpfBuild build_bpf(const std::string& file);

// The scenario for `check`: null with `error` set when the file cannot be checked (it does not
// build, uses what lsmc does not model, or an entry names no program of it).
std::unique_ptr<sim::Scenario> make_bpf_check(const BpfCheck& check, std::string& error);
// Makes check-bpf scenarios from their names in `catalog` (for replay, minimize, render).
void add_check_bpf_maker(sim::Catalog& catalog);

}  // namespace lsmc::properties

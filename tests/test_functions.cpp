// The table of modelled kernel functions (model/linux/functions.hpp) against what this machine's
// Linux 6.18 says of each (data/attach-points-linux-6.18.txt, recorded from its BTF and kallsyms
// by tools/record-attach-points.sh), and the attach points derived from it.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "model/linux/kernel.hpp"
#include "model/linux/local_storage.hpp"
#include "sim/runner.hpp"
#include "tests/util.hpp"

namespace mk = lsmc::model::kernel;

namespace {

struct Recorded {
  bool btf = false;
  std::string symbol;
};

std::map<std::string, Recorded> read_recorded() {
  std::ifstream in(std::string(LSMC_SOURCE_DIR) + "/data/attach-points-linux-6.18.txt");
  std::map<std::string, Recorded> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string name, btf, symbol;
    fields >> name >> btf >> symbol;
    out[name] = Recorded{btf == "yes", symbol};
  }
  return out;
}

}  // namespace

TEST(KernelFunctions, TraceabilityMatchesTheRecordedKernel) {
  const auto recorded = read_recorded();
  ASSERT_FALSE(recorded.empty()) << "data/attach-points-linux-6.18.txt is missing";
  for (const mk::KernelFunction& f : mk::kKernelFunctions) {
    if (f.trace == mk::Trace::kTracepoint || f.trace == mk::Trace::kLsmHook) continue;
    const auto it = recorded.find(std::string(f.name));
    ASSERT_NE(it, recorded.end()) << f.name << " is not recorded: run tools/record-attach-points.sh";
    const Recorded& r = it->second;
    switch (f.trace) {
      case mk::Trace::kTraceable:
      case mk::Trace::kNotrace: EXPECT_TRUE(r.btf) << f.name << " has no BTF FUNC"; break;
      case mk::Trace::kInlined: EXPECT_TRUE(!r.btf && r.symbol == "none") << f.name << " is not inlined"; break;
      case mk::Trace::kClone:
        EXPECT_TRUE(!r.btf && r.symbol.find('.') != std::string::npos) << f.name << " is not a clone only";
        break;
      case mk::Trace::kNoBtf: EXPECT_TRUE(!r.btf && r.symbol == f.name) << f.name; break;
      default: break;
    }
  }
}

TEST(KernelFunctions, AttachPointsAreEveryTraceableFunctionTwiceExceptNoreturnFexitAndEveryTracepointAndHook) {
  std::map<std::string, int> fentry, fexit, other;
  for (const mk::AttachPoint& p : mk::attach_points()) {
    const std::string name(mk::info(p.function).name);
    (p.kind == mk::AttachKind::kFentry ? fentry : p.kind == mk::AttachKind::kFexit ? fexit : other)[name]++;
  }
  for (const mk::KernelFunction& f : mk::kKernelFunctions) {
    const std::string name(f.name);
    const bool traceable = f.trace == mk::Trace::kTraceable;
    EXPECT_EQ(fentry.count(name), traceable ? 1u : 0u) << name;
    EXPECT_EQ(fexit.count(name), traceable && !f.noreturn ? 1u : 0u) << name;
    const bool point = f.trace == mk::Trace::kTracepoint || f.trace == mk::Trace::kLsmHook;
    EXPECT_EQ(other.count(name), point ? 1u : 0u) << name;
  }
  EXPECT_EQ(mk::find_kernel_function("bpf_selem_alloc"), mk::fn("bpf_selem_alloc"));
  EXPECT_FALSE(mk::find_kernel_function("free_task_struct").has_value());  // inlined: not in the table
  EXPECT_TRUE(mk::info(mk::fn("do_exit")).noreturn);  // noreturn_deny in kernel/bpf/verifier.c
}

// bpf_check_attach_target(): fexit on a __noreturn function is rejected, fentry is not.
TEST(KernelFunctions, FexitOnANoreturnFunctionIsRejected) {
  std::vector<int> got;
  lsmc::test::Lambda scenario([&got](lsmc::sim::Setup& setup) {
    mk::Kernel k(setup.env(), mk::Knobs{}, {});
    const mk::ProgBody nothing = [](lsmc::model::Env&, const mk::ProgCtx&) {};
    got = {k.attach(mk::fn("do_exit"), mk::AttachKind::kFexit, mk::ProgType::kTracing, nothing),
           k.attach(mk::fn("do_exit"), mk::AttachKind::kFentry, mk::ProgType::kTracing, nothing),
           k.attach(mk::fn("release_task"), mk::AttachKind::kFexit, mk::ProgType::kTracing, nothing)};
  });
  lsmc::sim::RunRequest r;
  r.scenario = &scenario;
  r.config.executions_max = 1;
  lsmc::sim::run(r);
  EXPECT_EQ(got, (std::vector<int>{-mk::kEINVAL, 0, 0}));
}

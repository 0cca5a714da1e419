// lsmc mls stress | diff: the mls library (mls/, docs/mls.md) on this machine's kernel. Needs
// root and BPF; where they are missing, one line saying why and exit 2.
#include "tools/command.hpp"
#ifdef LSMC_HAVE_MLS
#include "mls/test/mls_kernel_util.h"
#include "mls/test/mls_stress.h"
#include "properties/mls_diff.hpp"
#endif

namespace lsmc::cli {

namespace {

std::optional<int> mls_skipped(Context& c) {
#ifdef LSMC_HAVE_MLS
  const char* why = mls_bpf_unavailable();
  return skipped(c, why == nullptr ? "" : why);
#else
  return skipped(c, "lsmc was built without the mls library's kernel build (it needs clang-19, bpftool, libbpf and "
                    "/sys/kernel/btf/vmlinux at build time)");
#endif
}

int mls_stress_cmd(Context& c, int seconds, int forkers, int readers, bool json) {
  if (auto skipped = mls_skipped(c)) return *skipped;
#ifdef LSMC_HAVE_MLS
  const mls_stress_opts o{seconds, forkers, readers};
  mls_stress_report r{};
  if (mls_stress(&o, &r) != 0) throw UsageError(r.error);
  const bool aliased = r.aliased_user != 0 || r.aliased_bpf != 0;
  const int code = aliased ? kExitViolation : kExitOk;
  if (json) {
    nlohmann::json j = {{"seconds", seconds},       {"forkers", forkers},         {"readers", readers},
                        {"forks", r.forks},         {"created", r.created},       {"deleted", r.deleted},
                        {"create_failed", r.create_failed}, {"handles", r.handles}, {"no_handle", r.no_handle},
                        {"reads", r.reads},         {"stale", r.stale},           {"aliased_user", r.aliased_user},
                        {"aliased_bpf", r.aliased_bpf}, {"maintains", r.maintains}, {"reclaimed", r.reclaimed},
                        {"samples", r.samples},     {"live_max", r.live_max},     {"live_pages_max", r.live_pages_max},
                        {"resident_pages_min", r.resident_min}, {"resident_pages_max", r.resident_max},
                        {"region_pages", r.region_pages}, {"exit_code", code}};
    if (aliased) j["first_alias"] = r.first_alias;
    c.out << j.dump(2) << "\n";
    return code;
  }
  c.out << "lsmc mls stress: " << seconds << " s, " << forkers << " forking threads, " << readers
        << " reading threads, one maintaining\n"
        << "  forks " << r.forks << ": entries created " << r.created << " (at fork, tp_btf), deleted " << r.deleted
        << " (at exit), creations without a free slot " << r.create_failed << "\n"
        << "  handles opened by pidfd " << r.handles << " (task already gone: " << r.no_handle << "), reads "
        << r.reads << " without a syscall, stale handles " << r.stale << "\n"
        << "  mls_maintain " << r.maintains << " times, slots reclaimed " << r.reclaimed << "\n"
        << "  resident memory, " << r.samples << " samples: entries alive at most " << r.live_max << " (mean "
        << (r.samples > 0 ? r.live_sum / r.samples : 0) << "), region pages holding one at most " << r.live_pages_max
        << ", region pages resident " << r.resident_min << ".." << r.resident_max << " of " << r.region_pages << "\n"
        << "  entries read under another owner's handle: " << r.aliased_user << "; exit hooks that found another "
        << "owner's entry: " << r.aliased_bpf << "\n";
  c.out << (aliased ? "result: VIOLATION: " + std::string(r.first_alias) : std::string("result: no aliasing"))
        << "\n";
  return code;
#else
  (void)seconds, (void)forkers, (void)readers, (void)json;
  return kExitUsage;
#endif
}

int mls_diff_cmd(Context& c, uint64_t seed, int sequences, int length, bool json) {
  if (auto skipped = mls_skipped(c)) return *skipped;
#ifdef LSMC_HAVE_MLS
  properties::mls_diff::Options o{seed, sequences, length};
  const properties::mls_diff::Report r = properties::mls_diff::run(o);
  if (!r.error.empty()) throw UsageError(r.error);
  const int code = r.mismatch ? kExitViolation : kExitOk;
  if (json) {
    nlohmann::json j = {{"seed", seed}, {"sequences", r.sequences}, {"operations", r.operations},
                        {"agree", !r.mismatch}, {"exit_code", code}};
    if (r.mismatch) j["mismatch"] = properties::mls_diff::describe(*r.mismatch);
    c.out << j.dump(2) << "\n";
    return code;
  }
  c.out << "lsmc mls diff: seed " << seed << ", " << r.sequences << " sequences, " << r.operations
        << " operations on the model's library (model/mappable) and on the library on this kernel\n";
  if (r.mismatch) {
    c.out << "result: MISMATCH (shrunk):\n" << properties::mls_diff::describe(*r.mismatch)
          << "  reproduce: lsmc mls diff --seed " << seed << " --sequences " << sequences << " --length " << length
          << "\n";
  } else {
    c.out << "result: every outcome agrees\n";
  }
  return code;
#else
  (void)seed, (void)sequences, (void)length, (void)json;
  return kExitUsage;
#endif
}

}  // namespace

std::vector<Command> add_mls_commands(CLI::App& app) {
  auto* mls = app.add_subcommand("mls", "The mls library (mls/, docs/mls.md) on the running kernel; needs root and BPF.");
  mls->require_subcommand(1);
  std::vector<Command> commands;
  struct StressOptions {
    int seconds = 5, forkers = 2, readers = 2;
    bool json = false;
  };
  auto s = std::make_shared<StressOptions>();
  auto* stress = mls->add_subcommand(
      "stress", "Real fork/exit churn: tp_btf programs create an entry for every child this process forks and "
                "delete it at exit, while threads open handles by pidfd and read through them and one runs "
                "mls_maintain. Reports reads, stale handles and every entry read under another owner's handle "
                "(exit 1 unless that is 0).");
  stress->add_option("--seconds", s->seconds, "how long to churn (default 5)")->check(number_in(1, 3600));
  stress->add_option("--forkers", s->forkers, "threads forking children (default 2)")->check(number_in(1, 32));
  stress->add_option("--readers", s->readers, "threads reading through handles (default 2)")->check(number_in(1, 29));
  stress->add_flag("--json", s->json, "print one JSON object instead of text");
  commands.push_back({stress, [s](Context& c) { return mls_stress_cmd(c, s->seconds, s->forkers, s->readers, s->json); }});

  auto d = std::make_shared<DiffFlags>();
  d->sequences = 1000;
  auto* diff = mls->add_subcommand(
      "diff", "Run RapidCheck-generated operation sequences (create, delete, handle, read, write, exit, maintain "
              "for a few owners) on the model's library (model/mappable) and on the library on this kernel, and "
              "compare every outcome; a mismatch is shrunk and printed with both outcomes.");
  add_diff_flags(diff, *d);
  commands.push_back({diff, [d](Context& c) { return mls_diff_cmd(c, d->seed, d->sequences, d->length, d->json); }});
  return commands;
}

}  // namespace lsmc::cli

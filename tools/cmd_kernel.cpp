// lsmc kernel probe | diff | stress | race: the model against the running kernel (libbpf backend).
#include <fstream>
#include <optional>

#include "model/linux/kernel.hpp"
#include "properties/diff/diff.hpp"
#include "tools/command.hpp"
#if LSMC_HAVE_BPF
#include "model/real/real_kernel.hpp"
#endif

namespace lsmc::cli {

namespace {

// `lsmc kernel ...`: why it cannot run here, or empty.
std::string kernel_unavailable() {
#if LSMC_HAVE_BPF
  return real::unavailable_reason();
#else
  return "lsmc was built without the real-kernel backend (it needs clang-19, bpftool, libbpf and "
         "/sys/kernel/btf/vmlinux at build time)";
#endif
}

// One line and exit 2 where the kernel commands cannot run; nullopt where they can.
std::optional<int> kernel_skipped(Context& c) { return skipped(c, kernel_unavailable()); }

int kernel_probe(Context& c, bool json) {
  nlohmann::json j;
  j["features"] = nlohmann::json::array();
  bool ok = true;
#if LSMC_HAVE_BPF
  for (const auto& line : real::probe_kernel()) {
    if (json) {
      j["features"].push_back({{"feature", line.feature}, {"supported", line.ok}, {"detail", line.detail}});
    } else {
      c.out << line.feature << ": " << (line.ok ? "yes" : "no") << " (" << line.detail << ")\n";
    }
    if (!line.ok && (line.feature == "bpf-object" || line.feature == "root")) ok = false;
  }
#else
  ok = false;
#endif
  std::string why = ok ? std::string() : kernel_unavailable();
  if (!ok && why.empty()) why = "a feature the kernel commands need (root, bpf-object) is missing";
  if (json) {
    j["usable"] = why.empty();
    j["unavailable"] = why.empty() ? nlohmann::json(nullptr) : nlohmann::json(why);
    j["exit_code"] = why.empty() ? kExitOk : kExitUsage;
    c.out << j.dump(2) << "\n";
    return why.empty() ? kExitOk : kExitUsage;
  }
  if (!ok) return kernel_skipped(c).value_or(kExitUsage);
  return kExitOk;
}

int kernel_diff(Context& c, uint64_t seed, int sequences, int length, bool json, std::string profile) {
  if (auto skipped = kernel_skipped(c)) return *skipped;
#if LSMC_HAVE_BPF
  // The model follows the running kernel's version unless --profile says otherwise.
  std::string release;
  {
    std::ifstream v("/proc/sys/kernel/osrelease");
    std::getline(v, release);
  }
  if (profile.empty()) {
    const auto p = model::kernel::profile_for_release(release);
    if (!p) {
      throw UsageError("lsmc has no profile for the running kernel " + release +
                       " (profiles: linux-6.18, linux-7.0); choose one with --profile");
    }
    profile = std::string(model::kernel::to_string(*p));
  } else if (!model::kernel::profile_from_name(profile)) {
    throw UsageError("unknown profile '" + profile + "' (known: linux-6.18, linux-7.0)");
  }
  properties::diff::ModelBackend model_backend(profile);
  real::RealBackend kernel;
  properties::diff::DiffOptions o;
  o.seed = seed;
  o.sequences = sequences;
  o.length_max = length;
  const properties::diff::DiffReport r = properties::diff::run_diff(model_backend, kernel, o);
  const std::string again = c.program + " kernel diff --seed " + std::to_string(seed) + " --sequences " +
                            std::to_string(sequences) + " --length " + std::to_string(length) +
                            " --profile " + profile;
  if (json) {
    nlohmann::json j;
    j["seed"] = seed;
    j["profile"] = profile;
    j["kernel"] = release;
    j["sequences"] = r.sequences;
    j["operations"] = r.operations;
    j["agree"] = !r.mismatch.has_value();
    if (r.mismatch) j["shrunk"] = properties::diff::describe(*r.mismatch);
    j["reproduce_command"] = again;
    c.out << j.dump(2) << "\n";
    return r.mismatch ? kExitViolation : kExitOk;
  }
  if (!r.mismatch) {
    c.out << "kernel diff (model profile " << profile << ", kernel " << release << "): " << r.sequences
         << " sequences, " << r.operations << " operations (seed " << seed
         << "): the model and the kernel agree on every outcome\n";
    return kExitOk;
  }
  c.out << "kernel diff (model profile " << profile << ", kernel " << release << "): MISMATCH (seed " << seed << ", " << r.sequences
       << " sequences run, shrinking included). Shrunk sequence:\n"
       << properties::diff::describe(*r.mismatch) << "  reproduce: " << again << "\n";
  return kExitViolation;
#else
  (void)seed, (void)sequences, (void)length, (void)json, (void)profile;
  return kExitUsage;
#endif
}

// A signal stops it after the epoch running; the violations seen are reported, and the command
// printed runs the epochs left (--first-epoch), each as it would have run.
int kernel_stress(Context& c, uint64_t seed, int threads, int epochs, int ops, int first_epoch, bool json) {
  if (auto skipped = kernel_skipped(c)) return *skipped;
#if LSMC_HAVE_BPF
  if (first_epoch >= epochs) {
    throw UsageError("--first-epoch " + std::to_string(first_epoch) + " leaves none of --epochs " +
                     std::to_string(epochs) + " to run");
  }
  real::StressOptions o;
  o.seed = seed;
  o.threads = threads;
  o.epochs = epochs;
  o.ops_per_thread = ops;
  o.first_epoch = first_epoch;
  o.interrupted = c.stop_flag();
  const real::StressReport r = real::stress(o);
  const std::string resume = r.interrupted ? resume_command(c, {{"--first-epoch", std::to_string(r.resume_epoch)}}) : "";
  const int code = !r.violations.empty() ? kExitViolation : r.interrupted ? c.interrupt->exit_code() : kExitOk;
  if (json) {
    nlohmann::json j;
    j["outcome"] = !r.violations.empty() ? "violation" : r.interrupted ? "interrupted" : "nothing-found";
    j["operations"] = r.operations;
    j["threads"] = r.threads_run;
    j["outcomes"] = r.outcomes;
    j["violations"] = r.violations;
    if (r.interrupted) {
      j["signal"] = c.interrupt->name();
      j["resume_command"] = resume;
    }
    j["exit_code"] = code;
    c.out << j.dump(2) << "\n";
    return code;
  }
  c.out << "kernel stress: " << r.threads_run << " threads in " << r.threads_run / threads << " epochs, "
        << r.operations << " operations (seed " << seed << ")\n";
  for (const auto& [what, count] : r.outcomes) c.out << "  " << what << ": " << count << "\n";
  for (const auto& v : r.violations) c.out << "  VIOLATION: " << v << "\n";
  if (r.interrupted) {
    c.out << "result: interrupted (" << c.interrupt->name() << ") before epoch " << r.resume_epoch << " of "
          << epochs << (r.violations.empty() ? "; no violation so far" : "") << "\n  resume: " << resume << "\n";
  } else if (r.violations.empty()) {
    c.out << "result: every errno in the documented set, every value consistent\n";
  }
  return code;
#else
  (void)seed, (void)threads, (void)epochs, (void)ops, (void)first_epoch, (void)json;
  return kExitUsage;
#endif
}

int kernel_race(Context& c, long rounds, bool json) {
  if (auto skipped = kernel_skipped(c)) return *skipped;
#if LSMC_HAVE_BPF
  const real::RaceReport r = real::race_delete_vs_replace(rounds);
  if (json) {
    nlohmann::json j;
    j["rounds"] = r.rounds;
    j["both_succeeded"] = r.both_succeeded;
    j["survived_delete"] = r.survived_delete;
    c.out << j.dump(2) << "\n";
  } else {
    c.out << "kernel race delete-vs-replace: " << r.rounds << " rounds; delete and update(BPF_EXIST) both returned 0 in "
         << r.both_succeeded << "; the update's value survived a delete that returned 0 in " << r.survived_delete
         << (r.survived_delete ? " (not linearizable: the model's delete-vs-replace finding)" : "") << "\n";
  }
  return r.survived_delete ? kExitViolation : kExitOk;
#else
  (void)rounds, (void)json;
  return kExitUsage;
#endif
}

}  // namespace

std::vector<Command> add_kernel_commands(CLI::App& app) {
  auto* kernel = app.add_subcommand("kernel", "Check the model against the running kernel (libbpf backend); needs root and BPF.");
  kernel->require_subcommand(1);
  std::vector<Command> commands;
  auto* kprobe = kernel->add_subcommand("probe", "What the running kernel supports, one line each.");
  auto probe_json = std::make_shared<bool>(false);
  kprobe->add_flag("--json", *probe_json, "print one JSON object: each feature, and whether the kernel commands can run");
  commands.push_back({kprobe, [probe_json](Context& c) { return kernel_probe(c, *probe_json); }});

  struct DiffOptions : DiffFlags {
    std::string profile;
  };
  auto d = std::make_shared<DiffOptions>();
  auto* kdiff = kernel->add_subcommand(
      "diff", "Run RapidCheck-generated operation sequences (program get/delete on the current thread; "
              "syscall lookup/update/delete by pidfd and cgroup fd with every flag; bad keys; owner exit and "
              "reap; cgroup rmdir; map close and re-create) on the model and on the kernel, and compare every "
              "outcome. A mismatch prints the shrunk sequence with both outcomes.");
  add_diff_flags(kdiff, *d);
  kdiff->add_option("--profile", d->profile,
                    "the model's kernel profile (default: the running kernel's version, linux-6.18 here)");
  commands.push_back({kdiff, [d](Context& c) { return kernel_diff(c, d->seed, d->sequences, d->length, d->json, d->profile); }});

  struct StressOptions {
    uint64_t seed = 1;
    int threads = 8, epochs = 20, ops = 400, first_epoch = 0;
    bool json = false;
  };
  auto s = std::make_shared<StressOptions>();
  auto* kstress = kernel->add_subcommand(
      "stress", "Concurrent real threads doing program get/delete on themselves and syscall "
                "lookup/update/delete on each other by thread pidfd, exiting at random points while the "
                "maps lose their last reference. Checks that every errno is documented and every value "
                "read belongs to its thread.");
  kstress->add_option("--seed", s->seed, "seed (default 1)")->check(number_in(0));
  kstress->add_option("--threads", s->threads, "threads per epoch (default 8)")->check(number_in(1, 256));
  kstress->add_option("--epochs", s->epochs, "epochs, each with fresh maps (default 20)")->check(number_in(1, 100000));
  kstress->add_option("--ops", s->ops, "operations per thread at most (default 400)")->check(number_in(1, 1000000));
  kstress->add_option("--first-epoch", s->first_epoch,
                      "skip the epochs before it; the later ones run as without it (what an interrupted run "
                      "prints to resume; default 0)")
      ->check(number_in(0, 100000));
  kstress->add_flag("--json", s->json, "print one JSON object instead of text");
  commands.push_back({kstress,
                      [s](Context& c) {
                        return kernel_stress(c, s->seed, s->threads, s->epochs, s->ops, s->first_epoch, s->json);
                      },
                      true});

  struct RaceOptions {
    long rounds = 20000;
    bool json = false;
  };
  auto r = std::make_shared<RaceOptions>();
  auto* krace = kernel->add_subcommand(
      "race", "Reproduce the model's delete-vs-replace finding on the kernel: per round, one thread deletes an "
              "element while another updates it with BPF_EXIST; exit 1 if a delete that returned 0 left the "
              "update's value behind (not linearizable).");
  krace->add_option("--rounds", r->rounds, "rounds (default 20000)")->check(number_in(1, 100000000));
  krace->add_flag("--json", r->json, "print one JSON object instead of text");
  commands.push_back({krace, [r](Context& c) { return kernel_race(c, r->rounds, r->json); }});
  return commands;
}

}  // namespace lsmc::cli

// Kernel scenario syscall-sequence (registered by the build: register_syscall_sequence).
#include <map>
#include <string>
#include <vector>

#include "properties/scenarios/kernel_helpers.hpp"

namespace lsmc::properties::scenarios {

namespace {

// One actor issues a chosen sequence of syscalls; each result is checked against a reference:
// per (task, map), absent or a value; errnos as reference §4 tabulates them. Keys are pidfds,
// which name a struct pid, not a number: after p0 is reaped and its number reused, its pidfd
// still fails; after the thread p1t execs, p1's process pidfd reaches p1t (scx issue #610).
void build_syscall_sequence(sim::Setup& s) {
  World& w = make_world(s, {knobs_with(), false});
  Env& env = s.env();
  const int ops = static_cast<int>(s.params().get("ops"));
  struct Spec {
    std::vector<mk::Smap*> maps;
    std::vector<mk::Task*> tasks;  // p0, p1 (leader), p1t (p1's thread)
    std::vector<mk::Fd> fds;       // pidfd(p0), pidfd(p1), pidfd(p1t)
    std::vector<int> target;       // which task each fd reaches (-1: none)
    std::map<std::pair<int, int>, int64_t> present;  // (task, map) -> value
    bool reaped = false, execed = false;
  };
  auto& st = s.make<Spec>();
  st.maps = {&task_map(env, w, "plain"), &task_map(env, w, "locked", true)};
  for (auto [name, nr] : {std::pair{"p0", 100}, {"p1", 101}, {"p1t", 102}}) {
    st.tasks.push_back(&mk::task_for_scenario(env, w.k, name, nr));
    st.fds.push_back(mk::pidfd_open(*st.tasks.back()));
    st.target.push_back(static_cast<int>(st.tasks.size()) - 1);
  }
  spawn_work(s, w, "syscalls", 0, [&w, &st, ops](Env& e) {
    constexpr uint64_t kFlags[] = {mk::kBpfAny, mk::kBpfNoexist, mk::kBpfExist, 3, mk::kBpfFLock,
                                   mk::kBpfFLock | mk::kBpfExist, 8};
    for (int i = 0; i < ops; ++i) {
      const int fi = static_cast<int>(e.choose(3, "spec: which pidfd"));
      const int mi = static_cast<int>(e.choose(2, "spec: which map"));
      const uint64_t what = e.choose(6, "spec: which operation");
      mk::Smap& m = *st.maps[mi];
      const int ti = st.target[fi];
      const bool gone = ti < 0;
      const auto key = std::make_pair(ti, mi);
      const bool exists = !gone && st.present.count(key) > 0;
      const std::string where = "op " + std::to_string(i) + " on pidfd" + std::to_string(fi) + "/" + m.name;
      if (what == 0) {  // lookup
        const mk::LookupResult r = mk::sys_map_lookup_elem(e, w.k, m, st.fds[fi], 0);
        const int want = gone || !exists ? mk::kENOENT : 0;
        e.check(r.err == want, "spec", where + ": lookup returned errno " + std::to_string(r.err) + ", expected " + std::to_string(want));
        if (want == 0) e.check(r.value.data == st.present[key], "spec", where + ": lookup returned a stale value");
      } else if (what == 1) {  // update with some flags
        const uint64_t flags = kFlags[e.choose(std::size(kFlags), "spec: which flags")];
        const int64_t value = 1000 + i;
        const uint64_t faults = e.faults_injected();
        const int got = mk::sys_map_update_elem(e, w.k, m, st.fds[fi], mk::Value{value, 0}, flags);
        // Order as the kernel checks: BPF_F_LOCK without a spin lock in map_update_elem(), then
        // the pidfd and pid_task(), then the flags in bpf_local_storage_update().
        int want = 0;
        const uint64_t mode = flags & ~mk::kBpfFLock;
        if ((flags & mk::kBpfFLock) && !m.has_spin_lock) want = mk::kEINVAL;
        else if (gone) want = mk::kENOENT;
        else if (mode > mk::kBpfExist) want = mk::kEINVAL;
        else if (mode == mk::kBpfNoexist && exists) want = mk::kEEXIST;
        else if (mode == mk::kBpfExist && !exists) want = mk::kENOENT;
        if (want == 0 && got == mk::kENOMEM && e.faults_injected() > faults) continue;  // injected
        e.check(got == want, "spec", where + ": update(flags=" + std::to_string(flags) + ") returned errno " +
                                         std::to_string(got) + ", expected " + std::to_string(want));
        if (got == 0) st.present[key] = value;
      } else if (what == 2) {  // delete
        const int got = mk::sys_map_delete_elem(e, w.k, m, st.fds[fi]);
        const int want = gone || !exists ? mk::kENOENT : 0;
        e.check(got == want, "spec", where + ": delete returned errno " + std::to_string(got) + ", expected " + std::to_string(want));
        if (got == 0) st.present.erase(key);
      } else if (what == 3) {  // a key that is not a pidfd
        const mk::LookupResult r = mk::sys_map_lookup_elem(e, w.k, m, mk::Fd{mk::Fd::Kind::kOther, nullptr, nullptr}, 0);
        e.check(r.err == mk::kEBADF, "spec", where + ": lookup by a non-pidfd returned errno " + std::to_string(r.err));
      } else if (what == 4 && !st.reaped) {  // p0 exits and is reaped; a fork reuses its number
        mk::do_exit(e, w.k, *st.tasks[0]);
        mk::release_task(e, w.k, *st.tasks[0]);
        mk::ForkPlan plan;
        plan.pid_nr = 100;
        mk::copy_process(e, w.k, *st.tasks[2], plan);  // p1t survives an exec; p1 may not
        st.reaped = true;
        st.target[0] = -1;
      } else if (what == 5 && !st.execed) {  // p1t execs: p1's pidfd reaches p1t now
        mk::de_thread(e, w.k, *st.tasks[2], *st.tasks[1]);
        st.execed = true;
        st.target[1] = 2;
        st.target[2] = -1;
      }
    }
  });
}

}  // namespace

void register_syscall_sequence(sim::Catalog& c) {
  add_kernel_scenario(c, "syscall-sequence", "a chosen sequence of syscall lookups, updates (every flag combination) and deletes by pidfd, bad keys, a reaped owner whose pid number is reused, and an exec by a non-leader thread, checked against a reference spec",
      build_syscall_sequence, {{"ops", 6, 1, 40, "syscalls in the sequence"}});
}

}  // namespace lsmc::properties::scenarios

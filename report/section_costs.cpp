// Section 3 of the design report: what a lookup costs user space and BPF.
#include "report/sections.hpp"

namespace lsmc::report {

void write_user_costs(ReportContext& c) {
  c.md << "\n## 3. Costs\n\n### User space\n\n"
       << "Measured in the model: a daemon looks one task up four times while another CPU creates and frees three "
          "other tasks' entries and a balancer scans every entry twice; summed over " << c.options.executions / 10 << " executions of the default exploration. "
          "Today's kernel needs one `bpf(BPF_MAP_LOOKUP_ELEM)` by pidfd per access (`docs/kernel.md`: about 530 ns "
          "against about 0.5 ns for a load from a mapping).\n\n"
       << "| design | syscalls per lookup | shared loads per lookup | scans voided by a concurrent change |\n|---|---|---|---|\n";
  for (const Variant& v : variants()) {
    // Same read path as the proposal, or cgroups (no fork/exit churn of cgroups here).
    if (!v.cost_row || v.params.at("owner") != 0) continue;
    if (v.key == "uptr") {
      c.md << "| " << v.title << " | - | - | - (another process cannot read a thread's uptr memory) |\n";
      continue;
    }
    if (v.key == "arena+task-storage") {
      c.md << "| " << v.title << " | as the row above | | |\n";
      continue;
    }
    const UserCost u = user_lookup_cost(v, c.options.executions / 10);
    c.costs[v.key] = u;
    c.md << "| " << v.title << " | " << per(u.syscalls, u.lookups) << " | " << per(u.loads, u.lookups) << " | " << u.retries
         << " of " << u.scans << (u.verdict == "pass" ? "" : " (violation: " + u.verdict + ")") << " |\n";
  }
  c.md << "\nThe first lookup of a task opens its handle with one syscall; later ones cost loads only until the "
          "handle goes stale. With a map-wide seqcount every change anywhere makes every handle stale, so the "
          "daemon re-opens by syscall after each fork or exit of any task, and a balancer's scan is void whenever "
          "anything changed during it. Notifications cost fewer loads per "
          "access but have no check after the load (section 1). The pid-indexed array needs no syscall and no "
          "check at all, and has no lifetime.\n\n";
}

void write_bpf_costs(ReportContext& c) {
  c.md << "### BPF side\n\n"
       << "Shared-memory accesses of one lookup of an existing entry from a struct_ops program, from its "
          "rcu_read_lock to its rcu_read_unlock (a cost proxy, not cycles), the first lookup and a later one; "
          "\"fills the cache\" means the lookup missed the 16-slot cache, walked the list and took the storage "
          "lock to cache the element (the 6.18 model).\n\n"
       << "| design | first lookup | later lookup |\n|---|---|---|\n";
  auto bpf_cell = [](uint64_t n, bool fills) { return std::to_string(n) + " accesses" + (fills ? ", fills the cache" : ""); };
  const std::pair<int, std::string> bpf_designs[] = {{-1, "today: task storage (6.18)"},
                                                     {0, "proposal (task->mls_slot)"},
                                                     {1, "static pid-indexed array"},
                                                     {2, "arena + task storage, sdt (task storage lookup, then the arena)"},
                                                     {3, "uptr, either use (task storage lookup, then the pinned page)"}};
  for (const auto& [layout, title] : bpf_designs) {
    const BpfCost b = bpf_lookup_cost(layout);
    c.bpf[layout] = b;
    c.md << "| " << title << " | " << bpf_cell(b.first, b.first_fills_cache) << " | " << bpf_cell(b.steady, b.steady_fills_cache) << " |\n";
  }
}

}  // namespace lsmc::report

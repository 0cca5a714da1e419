#include "report/variants.hpp"

#include <stdexcept>

namespace lsmc::report {

namespace {

namespace mm = model::mappable;

// A variant whose user reads take the recommended configuration's path: no row of its own in the
// user-cost table.
Variant same_reads(Variant v) {
  v.cost_row = false;
  return v;
}

// user_write < 0: the scenario's default (pinned), and the parameter left out.
Variant variant(std::string key, std::string title, int64_t layout, int64_t page_return, int64_t publication,
                int64_t owner = 0, int64_t user_write = -1) {
  Variant v{std::move(key),
            std::move(title),
            {{"layout", layout}, {"page_return", page_return}, {"publication", publication}, {"owner", owner}}};
  if (user_write >= 0) v.params["user_write"] = user_write;
  return v;
}

}  // namespace

mm::Knobs Variant::knobs() const {
  mm::Knobs k;
  k.layout = static_cast<mm::Layout>(params.at("layout"));
  k.page_return = static_cast<mm::PageReturn>(params.at("page_return"));
  k.publication = static_cast<mm::Publication>(params.at("publication"));
  k.owner = static_cast<model::kernel::OwnerKind>(params.at("owner"));
  if (auto it = params.find("user_write"); it != params.end()) k.user_write = static_cast<mm::UserWrite>(it->second);
  return k;
}

const std::vector<Variant>& variants() {
  static const std::vector<Variant> kVariants = {
      variant("proposal", "proposal: generations, zero page on return (recommended)", 0, 1, 0),
      variant("proposal-seqcount", "proposal: one map-wide seqcount", 0, 1, 1),
      variant("proposal-notify", "proposal: notifications into a user-side view", 0, 1, 2),
      same_reads(variant("proposal-absent", "proposal: pages freed as bpf_arena_free_pages does (at once)", 0, 2, 0)),
      same_reads(variant("proposal-arena-segv", "proposal: pages freed as the arena does, BPF_F_SEGV_ON_FAULT", 0, 3, 0)),
      same_reads(variant("proposal-keep", "proposal: pages never returned", 0, 0, 0)),
      same_reads(variant("proposal-checked-writes", "proposal: user writes checked, not pinned", 0, 1, 0, 0, 0)),
      variant("static-pid-array", "static pid-indexed array (today's workaround)", 1, 1, 0),
      variant("arena+task-storage-urcu", "arena + task storage as sdt frees today (scx_urcu)", 4, 1, 0),
      variant("arena+task-storage", "arena + task storage as sdt freed before scx_urcu", 2, 1, 0),
      variant("uptr-daemon", "uptr used by a daemon (entries in its own memory)", 5, 1, 0),
      variant("uptr", "uptr as task-local data uses it (each thread its own)", 3, 1, 0),
      // Cgroup storage made mappable by the same flag (uptr has no cgroup form).
      variant("proposal-cgroup", "proposal on cgroup storage (recommended knobs)", 0, 1, 0, 1),
      variant("arena+cgroup-storage", "arena + cgroup storage (sdt_cgroup, scx_urcu)", 4, 1, 0, 1),
      // Socket and inode storage made mappable by the same flag (upstream's question: 500 k sockets).
      variant("proposal-sk", "proposal on socket storage (recommended knobs)", 0, 1, 0, 2),
      variant("proposal-inode", "proposal on inode storage (recommended knobs)", 0, 1, 0, 3),
  };
  return kVariants;
}

const Variant& find_variant(std::string_view key) {
  for (const Variant& v : variants()) {
    if (v.key == key) return v;
  }
  throw std::logic_error("no variant " + std::string(key));
}

}  // namespace lsmc::report

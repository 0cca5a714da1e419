// The region and its pages: pages allocated on demand into the mapped region, returned after a
// grace period (the zero page, or nothing, in the user mapping), and trimmed when left empty.
#include <algorithm>

#include "model/mappable/internal.hpp"

namespace lsmc::model::mappable {

// Whether the variant gives empty pages back at all (the arena's sdt allocator and uptr do not:
// arena pages stay, uptr memory belongs to the owning process).
bool returns_pages(const Map& map) {
  return map.knobs.layout == Layout::kRegion && map.knobs.page_return != PageReturn::kNever &&
         !map.bug(Bug::kNoPageReturn);
}

// Whether an empty page goes back at the free itself, with no grace period, as
// bpf_arena_free_pages() frees it (kernel/bpf/arena.c, v6.18).
bool frees_pages_at_once(const Map& map) {
  return returns_pages(map) &&
         (map.knobs.page_return == PageReturn::kUnmap || map.knobs.page_return == PageReturn::kSegvOnFault);
}

// Whether the mapping behaves as a BPF arena: sdt's arena, or the region returning pages as
// bpf_arena_free_pages does. A user fault on an unpopulated offset then goes to arena_vm_fault.
bool arena_semantics(const Map& map) {
  return is_sdt(map) ||
         (map.knobs.layout == Layout::kRegion &&
          (map.knobs.page_return == PageReturn::kUnmap || map.knobs.page_return == PageReturn::kSegvOnFault));
}

// arena_vm_fault() (kernel/bpf/arena.c, v6.18): a user access to an offset with no page. With
// BPF_F_SEGV_ON_FAULT it is SIGSEGV; otherwise the offset leaves the allocator's range
// (range_tree_clear), a fresh zeroed page is allocated (bpf_map_alloc_pages, __GFP_ZERO) and mapped
// into the kernel area (BPF sees it) and into the faulting VMA. Returns whether the access goes on.
// Without arena semantics an unpopulated offset of the region faults.
bool arena_vm_fault(Env& env, Map& map, uint32_t p, std::string_view who) {
  Page& page = map.pages[p];
  if (!arena_semantics(map) || map.knobs.page_return == PageReturn::kSegvOnFault) {
    env.check(false, "user-fault",
              std::string(who) + " touches page " + std::to_string(p) + " through its mapping after it was zapped" +
                  (arena_semantics(map) ? " (BPF_F_SEGV_ON_FAULT): SIGSEGV" : " and left absent: the access faults"));
    return false;
  }
  env.might_sleep("arena_vm_fault: guard(mutex)(&arena->lock)");
  page.obj = env.alloc(kPageType, "arena_vm_fault: bpf_map_alloc_pages(GFP_KERNEL | __GFP_ZERO)");
  page.present = true;
  page.refaulted = true;
  ++page.epoch;
  page.user = UserPte::kPage;
  const uint32_t first = p * map.knobs.slots_per_page;
  for (uint32_t s = first; s < first + map.knobs.slots_per_page; ++s) {
    map.slots[s].data = 0;
    map.slots[s].owner = nullptr;
    map.slots[s].initialised = false;
  }
  ++map.refaults;
  env.probe("mls: a user fault populated a freed arena page");
  return true;
}

// bpf_mls_page_release() (proposal): after a grace period an empty page leaves the free list,
// its absence is published, the user mapping is switched to the zero page, and the page is freed.
void bpf_mls_page_release(Env& env, Map& map, uint32_t p) {
  Page& page = map.pages[p];
  if (!page.present || page.live != 0) return;
  const uint32_t first = p * map.knobs.slots_per_page;
  std::erase_if(map.free_slots, [&](uint32_t s) { return page_of(map, s) == p; });
  std::erase_if(map.deferred, [&](uint32_t s) { return page_of(map, s) == p; });
  env.write(map.header, kHeaderPresent, "bpf_mls_page_release: hdr->present[page] = 0");
  map.header_present[p] = false;
  if (!map.bug(Bug::kZapWhileMapped)) {
    // zap_page_range(), then either vm_insert_page(zero page), so that a racing user read sees
    // generation 0, or nothing (the arena's zap_pages(): the next user access faults).
    page.user = map.knobs.page_return == PageReturn::kZeroPage ? UserPte::kZero : UserPte::kNone;
  }
  for (uint32_t s = first; s < first + map.knobs.slots_per_page; ++s) {
    // The entry's bytes are gone with the page (a user load now reads the zero page, or, with
    // the mutant, the freed page): a write as far as any reader of the entry is concerned.
    env.write(map.slots[s].obj, kData, "bpf_mls_page_release: zap_page_range(entry)");
    map.slots[s].initialised = false;
    map.slots[s].data = 0;
    map.slots[s].owner = nullptr;
  }
  env.free(page.obj, "bpf_mls_page_release: __free_page");
  page.present = false;
  ++map.page_returns;
  env.probe("mls: empty page returned");
}

// bpf_mls_trim() (proposal): returns present pages with no live entry whose slots are all free
// and past their grace period. Needed besides the return on free: a creator that slept in
// bpf_mls_page_alloc() may find a slot elsewhere when it comes back (another creator's page, or
// a grace period ended), leaving the new page empty with no free to return it (found by the
// resident-bound property of mls-churn).
void bpf_mls_trim(Env& env, Map& map) {
  if (!returns_pages(map)) return;
  uint32_t kept = 0;  // the first spare_pages empty pages stay, to absorb the next creations
  for (uint32_t p = 0; p < map.pages.size(); ++p) {
    if (!map.pages[p].present || map.pages[p].live != 0) continue;
    uint32_t free_here = 0;
    for (uint32_t s : map.free_slots) free_here += page_of(map, s) == p;
    if (free_here != map.knobs.slots_per_page) continue;
    if (kept < map.knobs.spare_pages) {
      ++kept;
      continue;
    }
    bpf_mls_page_release(env, map, p);
  }
}

// The first absent page of the region: allocated, mapped to user space, its presence published.
bool alloc_first_absent_page(Env& env, Map& map, const PageAllocLabels& l) {
  env.might_sleep(l.sleep);
  env.lock(map.lock, l.lock);
  uint32_t p = 0;
  while (p < map.pages.size() && map.pages[p].present) ++p;
  if (p == map.pages.size()) {
    env.unlock(map.lock, l.unlock);
    env.probe("mls: region full");
    return false;
  }
  Page& page = map.pages[p];
  page.obj = env.alloc(kPageType, l.alloc);
  page.present = true;
  ++page.epoch;
  ++map.page_allocs;
  for (uint32_t s = p * map.knobs.slots_per_page; s < (p + 1) * map.knobs.slots_per_page; ++s) {
    map.free_slots.push_back(s);
  }
  page.user = UserPte::kPage;
  env.write(map.header, kHeaderPresent, l.publish);
  map.header_present[p] = true;
  map.resident_max = std::max<uint64_t>(map.resident_max, map.resident());
  env.unlock(map.lock, l.unlock);
  return true;
}

// bpf_mls_page_alloc() (proposal kfunc): remap_pfn_range() into the user mapping, then the
// header says so.
bool bpf_mls_page_alloc(Env& env, Map& map) {
  return alloc_first_absent_page(env, map, {"bpf_mls_page_alloc: alloc_page(GFP_KERNEL)",
                                            "bpf_mls_page_alloc: spin_lock_irqsave(&mls->lock)",
                                            "bpf_mls_page_alloc: spin_unlock_irqrestore", "bpf_mls_page_alloc: the page",
                                            "bpf_mls_page_alloc: hdr->present[page] = 1"});
}

}  // namespace lsmc::model::mappable

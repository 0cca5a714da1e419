// The arena (kernel/bpf/arena.c, v6.18) in the host build: a range of max_entries pages reserved
// at the map's address (map_extra, or a fixed address per arena so that pointers are the same in
// every execution), pages allocated and freed by the kfuncs, each page a modelled object.
// Differences from the kernel, said here: a BPF access to a page that was never allocated reads 0
// and loses its stores in the kernel; here it is a finding (arena-fault), and an access to a
// freed page is a use-after-free finding, because in a data structure both are bugs. A user-space
// fault that repopulates a page (arena_vm_fault) is not modelled: check-bpf runs BPF programs.
#include <sys/mman.h>

#include <cstring>

#include "model/bpfhost/host.hpp"

namespace lsmc::model::bpfhost {

namespace {

constexpr std::size_t kPage = 4096;
constexpr uintptr_t kArenaBase = 0x100000000000ull;  // + 4 GiB per arena: where none was asked for

}  // namespace

void Host::arena_init(Map& m) {
  const std::size_t len = static_cast<std::size_t>(m.def->max_entries) * kPage;
  uintptr_t want = m.def->extra;
  if (want == 0) {
    int index = 0;
    for (const Map& other : maps_) index += other.arena != nullptr;
    want = kArenaBase + (static_cast<uintptr_t>(index) << 32);
  }
  void* p = mmap(reinterpret_cast<void*>(want), len, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (p == MAP_FAILED) p = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) env_.fail("model-error", "cannot reserve the arena " + m.def->name);
  m.arena = static_cast<uint8_t*>(p);
  m.present.assign(m.def->max_entries, false);
  m.region = add_region(reinterpret_cast<uintptr_t>(p), len, m.def->name, false);
  regions_[m.region].pages.assign(m.def->max_entries, kNoObject);
}

void Host::arena_release() {
  for (Map& m : maps_) {
    if (m.arena != nullptr) munmap(m.arena, static_cast<std::size_t>(m.def->max_entries) * kPage);
    m.arena = nullptr;
  }
}

// bpf_arena_alloc_pages() (v6.18): KF_SLEEPABLE; `addr` 0 takes the lowest free range.
void* Host::arena_alloc_pages(Map& m, uintptr_t addr, uint32_t count) {
  env_.might_sleep("bpf_arena_alloc_pages: arena->lock (a mutex), GFP_KERNEL");
  const uint32_t pages = m.def->max_entries;
  const auto base = reinterpret_cast<uintptr_t>(m.arena);
  uint32_t first = pages;
  if (addr != 0) {
    if (addr % kPage != 0 || addr < base || (addr - base) / kPage + count > pages) return nullptr;
    first = static_cast<uint32_t>((addr - base) / kPage);
    for (uint32_t i = first; i < first + count; ++i) {
      if (m.present[i]) return nullptr;
    }
  } else {
    for (uint32_t i = 0; i + count <= pages && first == pages; ++i) {
      bool free = true;
      for (uint32_t j = i; j < i + count; ++j) free = free && !m.present[j];
      if (free) first = i;
    }
    if (first == pages) return nullptr;
  }
  Region& r = regions_[m.region];
  for (uint32_t i = first; i < first + count; ++i) {
    std::memset(m.arena + static_cast<std::size_t>(i) * kPage, 0, kPage);
    m.present[i] = true;
    r.pages[i] = env_.alloc(module_->region_type(m.def->name + " page", kPage / 8), "bpf_arena_alloc_pages");
  }
  return m.arena + static_cast<std::size_t>(first) * kPage;
}

// bpf_arena_free_pages() (v6.18): KF_SLEEPABLE; frees at once, no grace period.
void Host::arena_free_pages(Map& m, uintptr_t addr, uint32_t count) {
  env_.might_sleep("bpf_arena_free_pages: arena->lock (a mutex)");
  const auto base = reinterpret_cast<uintptr_t>(m.arena);
  if (addr < base || count == 0) return;
  Region& r = regions_[m.region];
  const uint32_t first = static_cast<uint32_t>((addr - base) / kPage);
  for (uint32_t i = first; i < first + count && i < m.def->max_entries; ++i) {
    if (!m.present[i]) continue;
    env_.free(r.pages[i], "bpf_arena_free_pages: __free_page");
    std::memset(m.arena + static_cast<std::size_t>(i) * kPage, 0, kPage);
    m.present[i] = false;  // r.pages[i] keeps the dead page: a later access is a use-after-free
  }
}

void Host::arena_fault(const Region& r, uintptr_t off, std::string_view label) {
  env_.fail("arena-fault", std::string(label) + " touches page " + std::to_string(off / kPage) + " of arena " +
                               r.name + ", which was never allocated (BPF would read 0 there and lose its stores)");
}

}  // namespace lsmc::model::bpfhost

// The proposal's publication protocol as shared memory under the run's memory model
// (docs/memory-model.md, "The proposal's publication protocol"). BPF, under mls->lock, publishes an
// entry by writing it and then its generation in the header page with smp_store_release(); it frees
// a slot by clearing that generation (WRITE_ONCE(hdr->gen[slot], 0)); the next owner's bpf_mls_get
// takes the lock again, so the clearing reaches every CPU before the new contents do (LKMM's
// po-unlock-lock-po). User space reads the generation with smp_load_acquire(), the entry, smp_rmb(),
// the generation again, and keeps the entry only when both agree and are not 0: a seqcount per
// slot. The entry is two words, each its own WRITE_ONCE/READ_ONCE: only the generation check
// stands between a reader and a torn entry.
//
// The protocol alone, with every ordering it relies on named: model/mappable's Map runs the same
// functions as interleaving-only scheduling points (env.read/env.write); here each ordering can be
// dropped (PublicationOrders) and a weak memory model decides what a reader may see.
#pragma once

#include <array>
#include <cstdint>

#include "model/cell.hpp"

namespace lsmc::model::mappable {

inline constexpr std::string_view kPublishedSlotFields[] = {"hdr->gen[slot]", "entry.word0", "entry.word1"};
inline constexpr TypeInfo kPublishedSlotType{"mls_published_slot", kPublishedSlotFields};
inline constexpr uint16_t kHdrGen = 0, kEntryWord0 = 1;

// One slot: its generation in the header page and its two-word entry in the region.
struct PublishedSlot {
  ObjectId id = kNoObject;
  ObjectId lock = kNoObject;  // mls->lock
  Cell<uint32_t> gen;         // hdr->gen[slot]
  std::array<Cell<int64_t>, 2> word;
};

// The orderings the protocol's code has; each false is one of its mutants.
struct PublicationOrders {
  bool publish_release = true;  // bpf_mls_get: smp_store_release(&hdr->gen[slot], gen)
  bool read_acquire = true;     // libbpf_mls_read: smp_load_acquire(&hdr->gen[slot])
  bool read_rmb = true;         // libbpf_mls_read: smp_rmb() before the generation's second load
};

// Set-up: the slot holds `value` in both words, published as generation `gen` (not an access).
void mls_slot_init(Env& env, PublishedSlot& slot, uint32_t gen, int64_t value);

// bpf_mls_delete() (proposal): the slot's generation cleared, under mls->lock.
void bpf_mls_delete_slot(Env& env, PublishedSlot& slot);

// bpf_mls_get() (proposal), on a free slot: the entry written (both words), then generation `gen`
// published, under mls->lock.
void bpf_mls_get_slot(Env& env, PublishedSlot& slot, uint32_t gen, int64_t value, const PublicationOrders& orders);

struct OrderedRead {
  bool ok = false;  // the two generations agree and are not 0: the caller may use `word`
  uint32_t gen = 0;
  std::array<int64_t, 2> word{};
};
// libbpf_mls_read() (proposal): generation, entry, smp_rmb(), generation again.
OrderedRead libbpf_mls_read_slot(Env& env, PublishedSlot& slot, const PublicationOrders& orders);

}  // namespace lsmc::model::mappable

#include "model/mappable/publication_order.hpp"

namespace lsmc::model::mappable {

namespace {

uint16_t word_field(int i) { return static_cast<uint16_t>(kEntryWord0 + i); }

}  // namespace

void mls_slot_init(Env& env, PublishedSlot& slot, uint32_t gen, int64_t value) {
  slot.id = env.alloc(kPublishedSlotType, "mls slot (set-up)");
  slot.lock = env.new_lock(LockKind::kSpinIrq, "mls->lock");
  slot.gen.reset(gen);
  for (auto& w : slot.word) w.reset(value);
}

// bpf_mls_delete() (proposal)
void bpf_mls_delete_slot(Env& env, PublishedSlot& slot) {
  env.lock(slot.lock, "bpf_mls_delete: spin_lock_irqsave(&mls->lock)");
  slot.gen.store(env, slot.id, kHdrGen, 0, Order::kOnce, "bpf_mls_delete: WRITE_ONCE(hdr->gen[slot], 0)");
  env.unlock(slot.lock, "bpf_mls_delete: spin_unlock_irqrestore(&mls->lock)");
}

// bpf_mls_get() (proposal)
void bpf_mls_get_slot(Env& env, PublishedSlot& slot, uint32_t gen, int64_t value, const PublicationOrders& orders) {
  env.lock(slot.lock, "bpf_mls_get: spin_lock_irqsave(&mls->lock)");
  slot.word[0].store(env, slot.id, word_field(0), value, Order::kOnce, "bpf_mls_get: WRITE_ONCE(entry->word0, v)");
  slot.word[1].store(env, slot.id, word_field(1), value, Order::kOnce, "bpf_mls_get: WRITE_ONCE(entry->word1, v)");
  if (orders.publish_release) {
    slot.gen.store(env, slot.id, kHdrGen, gen, Order::kRelease, "bpf_mls_get: smp_store_release(&hdr->gen[slot], gen)");
  } else {
    slot.gen.store(env, slot.id, kHdrGen, gen, Order::kOnce, "bpf_mls_get: WRITE_ONCE(hdr->gen[slot], gen)");
  }
  env.unlock(slot.lock, "bpf_mls_get: spin_unlock_irqrestore(&mls->lock)");
}

// libbpf_mls_read() (proposal)
OrderedRead libbpf_mls_read_slot(Env& env, PublishedSlot& slot, const PublicationOrders& orders) {
  OrderedRead r;
  r.gen = orders.read_acquire
              ? slot.gen.load(env, slot.id, kHdrGen, Order::kAcquire, "libbpf_mls_read: smp_load_acquire(&hdr->gen[slot])")
              : slot.gen.load(env, slot.id, kHdrGen, Order::kOnce, "libbpf_mls_read: READ_ONCE(hdr->gen[slot])");
  if (r.gen == 0) return r;
  r.word[0] = slot.word[0].load(env, slot.id, word_field(0), Order::kOnce, "libbpf_mls_read: READ_ONCE(entry->word0)");
  r.word[1] = slot.word[1].load(env, slot.id, word_field(1), Order::kOnce, "libbpf_mls_read: READ_ONCE(entry->word1)");
  if (orders.read_rmb) env.fence(Fence::kRmb, "libbpf_mls_read: smp_rmb()");
  const uint32_t again = slot.gen.load(env, slot.id, kHdrGen, Order::kOnce, "libbpf_mls_read: READ_ONCE(hdr->gen[slot]) again");
  r.ok = again == r.gen;
  return r;
}

}  // namespace lsmc::model::mappable

#include "model/linux/rcu_fields.hpp"

#include <array>
#include <span>
#include <stdexcept>

namespace lsmc::model::kernel {

namespace {

// Every store went through the functions below: the Cell's newest store is the plain field.
template <class T>
void check_mirror(Env& env, const Cell<T>& cell, const T& field, std::string_view label) {
  if (env.weak_memory() && !(cell.latest() == field)) {
    throw std::logic_error(std::string(label) + ": a store bypassed the field's Cell (model/linux/rcu_fields.hpp)");
  }
}

std::vector<ObjectId> ids(const std::vector<Ref<Selem>>& list) {
  std::vector<ObjectId> out;
  out.reserve(list.size());
  for (const auto& s : list) out.push_back(s.id);
  return out;
}

}  // namespace

void owner_storage_store(Env& env, Ref<Owner> owner, Ref<Storage> storage, Order order, std::string_view label) {
  owner->bpf_storage_cell.store(env, owner.id, field::kOwnerStorage, storage, order, label, storage.id);
  owner->bpf_storage = storage;
}

Ref<Storage> owner_storage_cmpxchg(Env& env, Ref<Owner> owner, Ref<Storage> storage, Order order,
                                   std::string_view label) {
  check_mirror(env, owner->bpf_storage_cell, owner->bpf_storage, label);
  const Ref<Storage> old =
      owner->bpf_storage_cell.cmpxchg(env, owner.id, field::kOwnerStorage, Ref<Storage>{}, storage, order, label, storage.id);
  owner->bpf_storage = owner->bpf_storage_cell.latest();
  return old;
}

void owner_storage_copy(Owner& to, const Owner& from) {
  to.bpf_storage = from.bpf_storage;
  to.bpf_storage_cell.reset(from.bpf_storage);
}

Ref<Storage> owner_storage_rcu_dereference(Env& env, Ref<Owner> owner, std::string_view label) {
  check_mirror(env, owner->bpf_storage_cell, owner->bpf_storage, label);
  return owner->bpf_storage_cell.load(env, owner.id, field::kOwnerStorage, Order::kOnce, label);
}

// No allocation on this path but the caller's new list (it runs at every link and unlink): the ids
// of a short list stay on the stack, the list moves into the Cell, and the plain field copies it
// into the memory it already has.
void storage_list_store(Env& env, Ref<Storage> storage, std::vector<Ref<Selem>> list, Order order,
                        std::string_view label) {
  std::array<ObjectId, 8> few{};
  std::vector<ObjectId> many;
  std::span<const ObjectId> elements;
  if (list.size() <= few.size()) {
    for (std::size_t i = 0; i < list.size(); ++i) few[i] = list[i].id;
    elements = std::span<const ObjectId>(few.data(), list.size());
  } else {
    many = ids(list);
    elements = many;
  }
  storage->list_cell.store(env, storage.id, field::kStorageList, std::move(list), order, label, elements);
  storage->list = storage->list_cell.latest();
}

std::vector<Ref<Selem>> storage_list_rcu_dereference(Env& env, Ref<Storage> storage, std::string_view label) {
  check_mirror(env, storage->list_cell, storage->list, label);
  return storage->list_cell.load(env, storage.id, field::kStorageList, Order::kOnce, label);
}

void cache_store(Env& env, Ref<Storage> storage, uint16_t slot, Ref<Selem> selem, Order order, std::string_view label) {
  storage->cache_cell[slot].store(env, storage.id, static_cast<uint16_t>(field::kStorageCache0 + slot), selem, order,
                                  label, selem.id);
  storage->cache[slot] = selem;
}

Ref<Selem> cache_rcu_dereference(Env& env, Ref<Storage> storage, uint16_t slot, std::string_view label) {
  check_mirror(env, storage->cache_cell[slot], storage->cache[slot], label);
  return storage->cache_cell[slot].load(env, storage.id, static_cast<uint16_t>(field::kStorageCache0 + slot),
                                        Order::kOnce, label);
}

void selem_smap_store(Env& env, Ref<Selem> selem, Ref<Smap> smap, Order order, std::string_view label) {
  selem->smap_cell.store(env, selem.id, field::kSelemSmap, smap, order, label);
  selem->smap = smap;
}

Ref<Smap> selem_smap_rcu_access_pointer(Env& env, Ref<Selem> selem, std::string_view label) {
  check_mirror(env, selem->smap_cell, selem->smap, label);
  return selem->smap_cell.load(env, selem.id, field::kSelemSmap, Order::kOnce, label);
}

}  // namespace lsmc::model::kernel

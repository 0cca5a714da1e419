// A shared memory location of the model whose loads may return older stores under a weak memory
// model (Config::memory_model tso or lkmm; docs/memory-model.md).
//
// The value stays plain C++ of any type (a Ref, an int, a whole multi-word value): the Cell keeps
// every store in execution order, and the engine says which one a load reads. Under sc that is
// always the newest, the history is one value long and a Cell costs what env.read/write cost.
//
//   struct Owner { Cell<Ref<Storage>> bpf_storage; ... };
//   owner->bpf_storage.store(env, owner.id, field::kOwnerStorage, storage, Order::kRelease, "rcu_assign_pointer", storage.id);
//   Ref<Storage> s = owner->bpf_storage.load(env, owner.id, field::kOwnerStorage, Order::kOnce, "rcu_dereference");
//
// Every access to the location must go through its Cell (the indices of stores are shared with
// the engine). A C++ object the model reuses for a new registry object (bpf_mem_alloc) starts the
// new incarnation with the last value of the old one, as reused memory does.
#pragma once

#include <memory>
#include <stdexcept>
#include <utility>
#include <vector>

#include "model/env.hpp"

namespace lsmc::model {

template <class T>
class Cell {
public:
  Cell() = default;
  explicit Cell(T initial) : latest_(std::move(initial)) {}
  Cell(const Cell& other) : older_(copy_of(other.older_)), latest_(other.latest_), owner_(other.owner_) {}
  Cell& operator=(const Cell& other) {
    if (this != &other) {
      older_ = copy_of(other.older_);
      latest_ = other.latest_;
      owner_ = other.owner_;
    }
    return *this;
  }
  Cell(Cell&&) noexcept = default;
  Cell& operator=(Cell&&) noexcept = default;

  T load(Env& env, ObjectId o, uint16_t field, Order order, std::string_view label) {
    const bool stale = incarnation(env, o);
    const uint32_t i = env.load(o, field, order, label);
    return stale ? latest_ : at(i);
  }

  void store(Env& env, ObjectId o, uint16_t field, T value, Order order, std::string_view label,
             ObjectId pointee = kNoObject) {
    store(env, o, field, std::move(value), order, label, pointees(pointee));
  }
  // `pointees`: what the value points to (a list head: every element of the list).
  void store(Env& env, ObjectId o, uint16_t field, T value, Order order, std::string_view label,
             std::span<const ObjectId> pointees) {
    incarnation(env, o);
    put(env.store(o, field, order, pointees, label), std::move(value));
  }

  // cmpxchg(): stores `desired` if the value read equals `expected`; returns the value read.
  T cmpxchg(Env& env, ObjectId o, uint16_t field, const T& expected, T desired, Order order,
            std::string_view label, ObjectId pointee = kNoObject) {
    incarnation(env, o);
    T old{};
    env.rmw(o, field, order, pointees(pointee),
            [&](uint32_t i) {
              old = at(i);
              if (!(old == expected)) return false;
              put(i == kLatest ? kLatest : size(), std::move(desired));
              return true;
            },
            label);
    return old;
  }

  // xchg(): stores `value`, returns the value read.
  T xchg(Env& env, ObjectId o, uint16_t field, T value, Order order, std::string_view label,
         ObjectId pointee = kNoObject) {
    incarnation(env, o);
    T old{};
    env.rmw(o, field, order, pointees(pointee),
            [&](uint32_t i) {
              old = at(i);
              put(i == kLatest ? kLatest : size(), std::move(value));
              return true;
            },
            label);
    return old;
  }

  // The newest store: what a checker sees, and what code that holds the location's lock reads (a
  // lock orders every store to it before the critical section). Stores reach a location in the
  // order they happen (wmm/builder.hpp), so the newest is also the coherence-latest.
  const T& latest() const { return latest_; }

  // The memory of an object nobody has accessed yet: an allocation's zeroing, or a copy of
  // another object (memcpy). Not an access; the first access takes it as the initial value.
  void reset(T value) {
    if (older_) older_->clear();
    latest_ = std::move(value);
    owner_ = kNoObject;
  }

private:
  static std::span<const ObjectId> pointees(const ObjectId& p) {
    return p == kNoObject ? std::span<const ObjectId>() : std::span<const ObjectId>(&p, 1);
  }

  // Under a weak model, a Cell belongs to one registry object at a time; a new one (the C++ object
  // reused) starts from the memory as the old one left it. Returns true for an access through an
  // older id (a stale pointer: the lifetime checkers report it; the value is the newest).
  bool incarnation(Env& env, ObjectId o) {
    if (!env.weak_memory() || o == owner_) return false;
    if (owner_ != kNoObject && o < owner_) return true;
    if (owner_ != kNoObject && older_) older_->clear();
    owner_ = o;
    return false;
  }

  // The number of stores kept (the initial value counts as one).
  uint32_t older_size() const { return older_ ? static_cast<uint32_t>(older_->size()) : 0u; }
  uint32_t size() const { return older_size() + 1u; }

  const T& at(uint32_t i) const {
    if (i == kLatest || i == older_size()) return latest_;
    if (i > older_size()) throw std::logic_error("a Cell's stores are out of step with the engine's");
    return (*older_)[i];
  }

  void put(uint32_t i, T value) {
    if (i == kLatest) {
      latest_ = std::move(value);
      return;
    }
    if (i != size()) throw std::logic_error("a Cell's stores are out of step with the engine's");
    if (!older_) older_ = std::make_unique<std::vector<T>>();
    older_->push_back(std::move(latest_));
    latest_ = std::move(value);
  }

  static std::unique_ptr<std::vector<T>> copy_of(const std::unique_ptr<std::vector<T>>& older) {
    return older ? std::make_unique<std::vector<T>>(*older) : nullptr;
  }

  // The stores in execution order: older_ then latest_. Under sc only latest_ is ever used, so a
  // Cell allocates nothing (a bpf_local_storage has 17 of them; the vector of one value they used
  // to keep was 17 of the 122 allocations an execution of cachefill-protocol made). The older
  // stores sit behind a pointer, made at the first store a weak model keeps: a Cell of a Ref is 32
  // bytes instead of 48, which keeps a bpf_local_storage (17 Cells) under the 1 KiB above which
  // malloc takes its slow path (no thread cache; a large request first consolidates the fast bins:
  // about 1 k instructions for the one storage cachefill-protocol's set-up allocates).
  std::unique_ptr<std::vector<T>> older_;
  T latest_{};
  ObjectId owner_ = kNoObject;
};

}  // namespace lsmc::model

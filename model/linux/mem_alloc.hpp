// bpf_mem_alloc (kernel/bpf/memalloc.c, v6.18) for one object type, and the plain kzalloc path.
//
// What the model keeps of it (read off v6.18's memalloc.c; docs/model.md):
// - Each CPU has its own cache (struct bpf_mem_cache): unit_alloc() and unit_free() work on the
//   running CPU's free_llist only, LIFO, so an object freed on a CPU is the next one that CPU
//   hands out, and another CPU never does.
// - The llist node sits in a hidden header before the object (LLIST_NODE_SZ), so a free
//   overwrites nothing the object's users can see.
// - bpf_mem_cache_free() makes the object dead at once: the registry ends its incarnation there,
//   so a later access through an old pointer is a use-after-free finding even when nothing has
//   reused the memory yet (after bpf_obj_free_fields() ran, the value is not the caller's). The
//   memory itself stays type-stable until it is handed out again or the cache is destroyed: loads
//   of the fields the free leaves intact (for an element, its list linkage and smap; the kernel's
//   lockless "still linked?" checks read exactly these) are not findings until then. A reuse
//   starts a new incarnation with a new id.
// - unit_alloc() fails when the CPU's free list is empty and the refill from slab fails (a fault
//   point), or when it is entered again on the same CPU while running (c->active, an NMI
//   program); the model has no NMI programs, so only the first of these can happen here.
// bpf_mem_cache_raw_free() and kfree() free for good, at once.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/env.hpp"
#include "model/linux/types.hpp"

namespace lsmc::model::kernel {

template <class T>
class MemCache {
public:
  // `stable_fields`: the fields (bit i: field i) whose loads stay fine after a free, until reuse.
  MemCache(const TypeInfo& type, uint64_t stable_fields) : type_(&type), stable_(stable_fields) {}

  // bpf_mem_cache_alloc_flags() (v6.18): unit_alloc() on this CPU's cache. Returns a zeroed
  // object, or nothing when the free list is empty and the refill fails.
  Ref<T> alloc(Env& env, std::string_view label) {
    // A CPU that never freed here has an empty list: looking does not make one (set-up allocates
    // on CPU 0, and a Kernel with its maps is built for every execution).
    const uint16_t cpu = env.context().cpu;
    std::vector<T*>* free = cpu < free_.size() ? &free_[cpu] : nullptr;
    const bool empty = free == nullptr || free->empty();
    if (empty && env.fault("bpf_mem_cache_alloc: refill from slab fails?")) {
      env.probe("alloc failed");
      return {};
    }
    T* obj = nullptr;
    if (!empty) {
      obj = free->back();
      free->pop_back();
      env.end_type_stable(obj->id);
      *obj = T{};
      env.probe("bpf_mem_alloc reused an object");
    } else {
      all_.push_back(std::make_unique<T>());
      obj = all_.back().get();
    }
    obj->id = env.alloc(*type_, label);
    return Ref<T>::of(obj);
  }

  // bpf_mem_cache_free() (v6.18): unit_free() onto this CPU's free list; the object is dead from
  // here (a second free of it is a double-free finding).
  void free(Env& env, Ref<T> obj, std::string_view label) {
    env.free_type_stable(obj.id, stable_, label);
    free_list(env.context().cpu).push_back(obj.p);
  }

  // bpf_mem_cache_raw_free() / kfree() (v6.18): freed for good.
  void raw_free(Env& env, Ref<T> obj, std::string_view label) { env.free(obj.id, label); }

  // bpf_mem_alloc_destroy() (v6.18): what sits on the free lists goes back to slab (already dead
  // in the registry).
  void destroy(Env& env) {
    for (const std::vector<T*>& list : free_) {
      for (T* f : list) env.end_type_stable(f->id);
    }
    free_.clear();
  }

private:
  std::vector<T*>& free_list(uint16_t cpu) {
    if (free_.size() <= cpu) free_.resize(cpu + 1u);
    return free_[cpu];
  }

  const TypeInfo* type_;
  uint64_t stable_;
  std::vector<std::unique_ptr<T>> all_;
  std::vector<std::vector<T*>> free_;  // per CPU, LIFO
};

}  // namespace lsmc::model::kernel

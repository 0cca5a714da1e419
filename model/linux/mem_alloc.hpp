// bpf_mem_alloc (kernel/bpf/memalloc.c, v6.18) for one object type, and the plain kzalloc path.
//
// bpf_mem_cache_free() puts an object on the cache's free list, from which the next
// bpf_mem_cache_alloc() hands it out again at once (LIFO, like the kernel's llist). Until then the
// memory stays valid and type-stable, as in the kernel (the cache is destroyed only after grace
// periods), so the old incarnation stays live in the registry; reuse ends it and starts a new one
// with a new id. A Ref kept across a free and a reuse then points at a different object, and the
// lifetime checker reports the access through the old id: the stale-pointer-into-reused-object
// case. bpf_mem_cache_raw_free() and kfree() free for good, at once.
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
  explicit MemCache(const TypeInfo& type) : type_(&type) {}

  // bpf_mem_cache_alloc_flags() (v6.18): unit_alloc() finds this CPU's free list empty and the
  // refill (kmalloc under failslab) failed: a fault point. Returns a zeroed object.
  Ref<T> alloc(Env& env, std::string_view label) {
    if (env.fault("bpf_mem_cache_alloc: out of memory?")) {
      env.probe("alloc failed");
      return {};
    }
    T* obj = nullptr;
    if (!free_.empty()) {
      obj = free_.back();
      free_.pop_back();
      env.free(obj->id, "bpf_mem_cache_alloc: reuse of a freed object");
      *obj = T{};
      env.probe("bpf_mem_alloc reused an object");
    } else {
      all_.push_back(std::make_unique<T>());
      obj = all_.back().get();
    }
    obj->id = env.alloc(*type_, label);
    return Ref<T>::of(obj);
  }

  // bpf_mem_cache_free() (v6.18): reusable at once. The allocator's own sanity check (as slab
  // debugging would) catches a second free of the same incarnation.
  void free(Env& env, Ref<T> obj, std::string_view label) {
    env.write(obj.id, 0, label);  // the llist node overwrites the object's first word
    for (T* f : free_) {
      if (f == obj.p) env.fail("double-free", std::string(label) + ": object already on the bpf_mem_alloc free list");
    }
    free_.push_back(obj.p);
  }

  // bpf_mem_cache_raw_free() / kfree() (v6.18): freed for good.
  void raw_free(Env& env, Ref<T> obj, std::string_view label) { env.free(obj.id, label); }

  // bpf_mem_alloc_destroy() (v6.18): what sits on the free list is released.
  void destroy(Env& env) {
    for (T* f : free_) env.free(f->id, "bpf_mem_alloc_destroy");
    free_.clear();
  }

private:
  const TypeInfo* type_;
  std::vector<std::unique_ptr<T>> all_;
  std::vector<T*> free_;
};

}  // namespace lsmc::model::kernel

// The helpers and kfuncs of the host build (include-host/bpf/bpf_helpers.h declares them), run on
// lsmc's kernel model through the running Host: task and cgroup storage are the 6.18 model's
// functions as a program of the running type is given them, bpf_spin_lock a model lock with IRQs
// off, bpf_loop a loop, the arena kfuncs arena.cpp's. What a real kernel would refuse or crash
// on (a helper called outside a program, an unknown map) ends the execution with a finding.
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "model/bpfhost/abi.hpp"
#include "model/bpfhost/host.hpp"
#include "model/linux/cgrp_storage.hpp"

extern "C" {
#include "model/bpfhost/include/vmlinux.h"
}

namespace lsmc::model::bpfhost {

void abi_link() {
  hooks_anchor();
  mls_platform_anchor();
}

namespace {

Host& host(const char* helper) {
  Host* h = Host::current();
  if (h == nullptr) {
    fprintf(stderr, "lsmc: %s called outside an lsmc execution\n", helper);
    std::abort();
  }
  return *h;
}

Host::Map& map_of(Host& h, void* def, uint32_t type, const char* helper) {
  Host::Map* m = h.map_at(def);
  if (m == nullptr || (type != 0 && m->def->type != type)) {
    h.env().fail("unsupported", std::string(helper) + " on " + (m ? "map " + m->def->name + " of another type" : "a map lsmc does not know"));
  }
  return *m;
}

const mk::ProgCtx& prog(Host& h, const char* helper) {
  const mk::ProgCtx* ctx = h.prog();
  if (ctx == nullptr) h.env().fail("model-error", std::string(helper) + " called outside a BPF program");
  return *ctx;
}

}  // namespace

}  // namespace lsmc::model::bpfhost

namespace bh = lsmc::model::bpfhost;
namespace mk = lsmc::model::kernel;

extern "C" {

void* lsmc_bpf_map_lookup_elem(void* map, const void* key) {
  bh::Host& h = bh::host("bpf_map_lookup_elem");
  bh::Host::Map& m = bh::map_of(h, map, bh::kMapArray, "bpf_map_lookup_elem");
  return h.array_elem(m, *static_cast<const uint32_t*>(key));
}

long lsmc_bpf_map_update_elem(void* map, const void* key, const void* value, __u64 flags) {
  bh::Host& h = bh::host("bpf_map_update_elem");
  bh::Host::Map& m = bh::map_of(h, map, bh::kMapArray, "bpf_map_update_elem");
  if (flags == BPF_NOEXIST) return -mk::kEEXIST;  // array elements always exist
  void* elem = h.array_elem(m, *static_cast<const uint32_t*>(key));
  if (elem == nullptr) return -7;  // -E2BIG
  h.access(reinterpret_cast<uintptr_t>(elem), m.def->value_size, bh::Kind::kPlainWrite,
           reinterpret_cast<uintptr_t>(__builtin_return_address(0)));
  std::memcpy(elem, value, m.def->value_size);
  return 0;
}

long lsmc_bpf_map_delete_elem(void* map, const void*) {
  bh::Host& h = bh::host("bpf_map_delete_elem");
  bh::map_of(h, map, bh::kMapArray, "bpf_map_delete_elem");
  return -mk::kEINVAL;  // array elements cannot be deleted
}

void* lsmc_bpf_task_storage_get(void* map, task_struct* task, void* value, __u64 flags) {
  bh::Host& h = bh::host("bpf_task_storage_get");
  bh::Host::Map& m = bh::map_of(h, map, bh::kMapTaskStorage, "bpf_task_storage_get");
  const mk::ProgCtx& ctx = bh::prog(h, "bpf_task_storage_get");
  if (value != nullptr) h.env().fail("unsupported", "bpf_task_storage_get with an initial value");
  const mk::Ref<mk::Selem> r =
      mk::prog_task_storage_get(h.env(), h.kernel(), ctx, *m.smap, mk::Ref<mk::Task>::of(h.task_of(task)), flags);
  if (!r) return nullptr;
  h.expose(*r.p);
  return &r.p->value.data;
}

long lsmc_bpf_task_storage_delete(void* map, task_struct* task) {
  bh::Host& h = bh::host("bpf_task_storage_delete");
  bh::Host::Map& m = bh::map_of(h, map, bh::kMapTaskStorage, "bpf_task_storage_delete");
  const mk::ProgCtx& ctx = bh::prog(h, "bpf_task_storage_delete");
  return mk::prog_task_storage_delete(h.env(), h.kernel(), ctx, *m.smap, mk::Ref<mk::Task>::of(h.task_of(task)));
}

void* lsmc_bpf_cgrp_storage_get(void* map, cgroup* cgrp, void* value, __u64 flags) {
  bh::Host& h = bh::host("bpf_cgrp_storage_get");
  bh::Host::Map& m = bh::map_of(h, map, bh::kMapCgrpStorage, "bpf_cgrp_storage_get");
  const mk::ProgCtx& ctx = bh::prog(h, "bpf_cgrp_storage_get");
  if (value != nullptr) h.env().fail("unsupported", "bpf_cgrp_storage_get with an initial value");
  const mk::Ref<mk::Selem> r =
      mk::bpf_cgrp_storage_get(h.env(), h.kernel(), *m.smap, mk::Ref<mk::Cgroup>::of(h.cgroup_of(cgrp)), nullptr,
                               flags, ctx.sleepable ? mk::Gfp::kKernel : mk::Gfp::kAtomic);
  if (!r) return nullptr;
  h.expose(*r.p);
  return &r.p->value.data;
}

long lsmc_bpf_cgrp_storage_delete(void* map, cgroup* cgrp) {
  bh::Host& h = bh::host("bpf_cgrp_storage_delete");
  bh::Host::Map& m = bh::map_of(h, map, bh::kMapCgrpStorage, "bpf_cgrp_storage_delete");
  bh::prog(h, "bpf_cgrp_storage_delete");
  return mk::bpf_cgrp_storage_delete(h.env(), h.kernel(), *m.smap, mk::Ref<mk::Cgroup>::of(h.cgroup_of(cgrp)));
}

task_struct* lsmc_bpf_get_current_task_btf(void) { return bh::host("bpf_get_current_task_btf").current_task(); }

__u64 lsmc_bpf_get_current_pid_tgid(void) {
  const task_struct* t = bh::host("bpf_get_current_pid_tgid").current_task();
  return (static_cast<__u64>(t->tgid) << 32) | static_cast<__u32>(t->pid);
}

__u32 lsmc_bpf_get_smp_processor_id(void) { return bh::host("bpf_get_smp_processor_id").env().context().cpu; }

// No clock inside an execution: a logical one, the same in every run of the schedule.
__u64 lsmc_bpf_ktime_get_ns(void) { return bh::host("bpf_ktime_get_ns").logical_ns(); }

long lsmc_bpf_loop(__u32 nr_loops, void* callback_fn, void* callback_ctx, __u64 flags) {
  bh::host("bpf_loop");
  if (flags != 0) return -mk::kEINVAL;
  const auto cb = reinterpret_cast<long (*)(__u64, void*)>(callback_fn);
  for (__u32 i = 0; i < nr_loops; ++i) {
    if (cb(i, callback_ctx) != 0) return i + 1;
  }
  return nr_loops;
}

// bpf_spin_lock() (kernel/bpf/helpers.c, v6.18): __bpf_spin_lock_irqsave.
long lsmc_bpf_spin_lock(bpf_spin_lock* lock) {
  bh::Host& h = bh::host("bpf_spin_lock");
  h.env().lock(h.lock_at(reinterpret_cast<uintptr_t>(lock)), "bpf_spin_lock");
  return 0;
}

long lsmc_bpf_spin_unlock(bpf_spin_lock* lock) {
  bh::Host& h = bh::host("bpf_spin_unlock");
  h.env().unlock(h.lock_at(reinterpret_cast<uintptr_t>(lock)), "bpf_spin_unlock");
  return 0;
}

void* lsmc_bpf_ringbuf_reserve(void* ringbuf, __u64 size, __u64 flags) {
  bh::Host& h = bh::host("bpf_ringbuf_reserve");
  bh::Host::Map& m = bh::map_of(h, ringbuf, bh::kMapRingbuf, "bpf_ringbuf_reserve");
  if (flags != 0) return nullptr;
  return h.ring_reserve(m, size);
}

void lsmc_bpf_ringbuf_submit(void* data, __u64) { bh::host("bpf_ringbuf_submit").ring_commit(data, true); }

void lsmc_bpf_ringbuf_discard(void* data, __u64) { bh::host("bpf_ringbuf_discard").ring_commit(data, false); }

long lsmc_bpf_ringbuf_output(void* ringbuf, void* data, __u64 size, __u64 flags) {
  void* rec = lsmc_bpf_ringbuf_reserve(ringbuf, size, flags);
  if (rec == nullptr) return -mk::kEAGAIN;
  std::memcpy(rec, data, size);
  lsmc_bpf_ringbuf_submit(rec, 0);
  return 0;
}

long lsmc_bpf_probe_read_kernel(void* dst, __u32 size, const void* src) {
  std::memcpy(dst, src, size);
  return 0;
}

long lsmc_bpf_trace_printk(const char*, __u32, ...) { return 0; }

// bpf_throw() (kernel/bpf/helpers.c): the program is unwound; bpf_assert() is built on it.
void bpf_throw(__u64 cookie) {
  bh::Host& h = bh::host("bpf_throw");
  h.env().fail("bpf-assert", std::string(h.module().label(reinterpret_cast<uintptr_t>(__builtin_return_address(0)),
                                                           "bpf_throw")) +
                                 " (cookie " + std::to_string(cookie) + "): an assertion of the BPF C failed");
}

// scx_bpf_error_bstr() (kernel/sched/ext.c): the scheduler reports an error and is unloaded.
void scx_bpf_error_bstr(char* fmt, __u64*, __u32) {
  bh::Host& h = bh::host("scx_bpf_error");
  h.env().fail("scx-error", std::string(h.module().label(reinterpret_cast<uintptr_t>(__builtin_return_address(0)),
                                                          "scx_bpf_error")) +
                                ": " + (fmt != nullptr ? fmt : ""));
}

void* bpf_arena_alloc_pages(void* map, void* addr, __u32 page_cnt, int, __u64 flags) {
  bh::Host& h = bh::host("bpf_arena_alloc_pages");
  bh::Host::Map& m = bh::map_of(h, map, bh::kMapArena, "bpf_arena_alloc_pages");
  if (flags != 0 || page_cnt == 0) return nullptr;
  return h.arena_alloc_pages(m, reinterpret_cast<uintptr_t>(addr), page_cnt);
}

void bpf_arena_free_pages(void* map, void* ptr, __u32 page_cnt) {
  bh::Host& h = bh::host("bpf_arena_free_pages");
  bh::Host::Map& m = bh::map_of(h, map, bh::kMapArena, "bpf_arena_free_pages");
  h.arena_free_pages(m, reinterpret_cast<uintptr_t>(ptr), page_cnt);
}

}  // extern "C"

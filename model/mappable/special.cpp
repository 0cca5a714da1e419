// Special fields in mappable values (upstream asked to refuse kptrs, spin locks and timers): what
// the proposal's map_check_btf accepts, and what the kernel does with a field that user space can
// write when it is accepted (Bug::kSpecialFieldsMapped). The field is used for one owner's entry.
#include "model/mappable/internal.hpp"

namespace lsmc::model::mappable {

namespace {

bool any_field(const mk::ValueFields& f) {
  return f.kptr || f.percpu_kptr || f.spin_lock || f.timer || f.wq || f.task_work || f.uptr;
}

// Whether the accepted field lies in memory user space maps (uptr layouts keep it in the task
// storage element; the region, the pid array and the arena map the entry itself).
bool field_mapped(const Map& map) {
  return map.knobs.layout != Layout::kUptr && map.knobs.layout != Layout::kUptrDaemon;
}

constexpr int64_t kKernelPointer = 0x7ead0000;  // what the kernel stores: its own object's address

}  // namespace

// bpf_mls_map_check_btf() (proposal)
int bpf_mls_map_check_btf(Env& env, Map& map, const mk::ValueFields& fields) {
  if (!any_field(fields)) return 0;
  if (field_mapped(map) && !map.bug(Bug::kSpecialFieldsMapped)) {
    env.probe("mls: map_check_btf refused a special field in a mappable value");
    return mk::kEOPNOTSUPP;
  }
  map.special.fields = fields;
  map.special.obj = env.alloc(kSlotType, "map_check_btf: the special field's word in the entry");
  return 0;
}

// bpf_kptr_xchg(&v->task, bpf_task_acquire(p)), bpf_spin_lock(&v->lock), bpf_timer_init(&v->t):
// the kernel's use of the field, from a program.
void bpf_mls_special_use(Env& env, Map& map) {
  Map::Special& sp = map.special;
  if (sp.obj == kNoObject) return;
  if (sp.fields.spin_lock) {
    // __bpf_spin_lock(): arch_spin_lock() spins (IRQs off) until the word is 0.
    env.wait_until([&sp] { return sp.word == 0; }, "bpf_spin_lock(&v->lock): the lock word is 0");
    env.rmw(sp.obj, kData, "bpf_spin_lock: arch_spin_lock(&v->lock)");
    sp.word = 1;
    env.write(sp.obj, kData, "bpf_spin_unlock: arch_spin_unlock(&v->lock)");
    sp.word = 0;
    return;
  }
  env.write(sp.obj, kData, sp.fields.timer ? "bpf_timer_init: v->timer = bpf_map_kmalloc_node(bpf_hrtimer)"
                                           : "bpf_kptr_xchg(&v->task, bpf_task_acquire(p))");
  sp.word = sp.kernel_stored = kKernelPointer;
}

// bpf_obj_free_fields() (kernel/bpf/syscall.c, v6.18) at the entry's free.
void bpf_mls_special_free(Env& env, Map& map) {
  Map::Special& sp = map.special;
  if (sp.obj == kNoObject || sp.fields.spin_lock || sp.kernel_stored == 0) return;
  env.read(sp.obj, kData, sp.fields.timer ? "bpf_timer_cancel_and_free: READ_ONCE(v->timer)"
                                          : "bpf_obj_free_fields: xchg(&v->task, NULL)");
  env.check(sp.word == sp.kernel_stored, "kernel-uses-user-pointer",
            std::string(sp.fields.timer ? "bpf_timer_cancel_and_free cancels and frees the bpf_hrtimer"
                                        : "bpf_obj_free_fields drops a task reference") +
                " through a pointer user space overwrote in the mapped entry (" + std::to_string(sp.word) +
                " instead of the kernel's " + std::to_string(sp.kernel_stored) + "): the kernel writes where user space chose");
  sp.kernel_stored = 0;
}

// A user store into the field's word.
bool user_special_store(Env& env, Map& map, int64_t value) {
  Map::Special& sp = map.special;
  if (sp.obj == kNoObject || !field_mapped(map)) return false;
  env.write(sp.obj, kData, "user: store into the entry's special field (through the mapping)");
  sp.word = value;
  return true;
}

}  // namespace lsmc::model::mappable

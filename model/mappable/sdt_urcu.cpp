// sdt as sched-ext/scx has it in 2026: exit_task frees through scx_urcu, a grace period driven by
// user space (lib/sdt_task.bpf.c scx_task_free_rcu, lib/urcu.bpf.c, and the reclaim of
// lib/sdt_alloc.bpf.c that hands each index back with scx_alloc_free_idx). Read from the copies
// the search tools hold (sched-ext/scx, 2026): the free keeps the task storage element (PR 3776),
// the doorbell rings on a side's empty-to-non-empty transition only.
#include "model/mappable/internal.hpp"

namespace lsmc::model::mappable {

namespace {

constexpr uint16_t kUrcuActive = 0, kUrcuHead = 1, kUrcuDoorbell = 2;

// scx_urcu_free() (lib/urcu.bpf.c): push the index onto the active side with a CAS on its head;
// ring the doorbell when that side goes from empty to non-empty.
void scx_urcu_free(Env& env, Map& map, uint32_t s) {
  Map::Urcu& u = map.urcu;
  env.read(u.obj, kUrcuActive, "scx_urcu_free: side = READ_ONCE(urcu->active) & 1");
  const uint32_t side = u.active & 1;
  env.rmw(u.obj, kUrcuHead, "scx_urcu_free: __sync_val_compare_and_swap(&urcu->head[side], head, node)");
  const bool was_empty = u.head[side].empty();
  u.head[side].push_back(s);
  if (was_empty) {
    env.write(u.obj, kUrcuDoorbell, "scx_urcu_free: bpf_ringbuf_submit(&scx_urcu_doorbell)");
    ++u.doorbell;
  }
}

// scx_urcu_pending() (lib/urcu.bpf.c): whether either side holds an index awaiting reclaim.
bool scx_urcu_pending(Env& env, const Map& map) {
  env.read(map.urcu.obj, kUrcuHead, "scx_urcu_pending: READ_ONCE(urcu->head[0]) || READ_ONCE(urcu->head[1])");
  return !map.urcu.head[0].empty() || !map.urcu.head[1].empty();
}

// scx_urcu_reclaim() (lib/sdt_alloc.bpf.c's, run by the syscall program scx_urcu_task_reclaim
// after a grace period): every index of the side that is not active goes back to the allocator
// (scx_alloc_free_idx: generation bumped, payload zeroed, index free), then the sides flip with an
// xchg.
void scx_urcu_reclaim(Env& env, Map& map) {
  Map::Urcu& u = map.urcu;
  env.read(u.obj, kUrcuActive, "scx_urcu_reclaim: side = (READ_ONCE(urcu->active) ^ 1) & 1");
  const uint32_t side = (u.active ^ 1) & 1;
  for (uint32_t s : u.head[side]) {
    env.write(u.obj, kUrcuHead, "scx_urcu_reclaim: urcu->head[side] = data->urcu_link");
    env.lock(map.lock, "scx_alloc_free_idx: bpf_spin_lock(&alloc_lock)");
    scx_alloc_free_idx(env, map, s);
    env.unlock(map.lock, "scx_alloc_free_idx: bpf_spin_unlock(&alloc_lock)");
    ++u.reclaimed;
  }
  u.head[side].clear();
  env.rmw(u.obj, kUrcuActive, "scx_urcu_reclaim: __sync_lock_test_and_set(&urcu->active, side)");
  u.active = side;
}

}  // namespace

// scx_urcu's instance, allocated with the map (a static struct scx_urcu in sdt_task.bpf.c).
void scx_urcu_init(Env& env, Map& map) {
  static constexpr std::string_view kFields[] = {"active", "head", "doorbell"};
  static constexpr TypeInfo kType{"scx_urcu", kFields};
  map.urcu.obj = env.alloc(kType, "scx_task_urcu (.bss)");
}

// scx_task_free_rcu() (lib/sdt_task.bpf.c, 2026), from ops.exit_task: claims the allocation with
// xchg(&mval->data, 0) (repeated and concurrent calls are no-ops) and queues it on scx_urcu. The
// task storage element is left for the kernel to free with the task.
void scx_task_free_rcu(Env& env, mk::Kernel& k, Map& map, mk::Owner& owner) {
  k.run_prog(env, mk::ProgType::kStructOps, [&](Env& e, const mk::ProgCtx& ctx) {
    const mk::Ref<mk::Selem> mval = storage_get(e, k, ctx, map, owner, 0);
    if (!mval) return;
    e.rmw(mval->id, mk::field::kSelemData, "scx_task_free_rcu: __sync_lock_test_and_set(&mval->data, 0)");
    const Handle h = decode_entry(mval->value.data);
    mval->value.data = 0;
    if (!h.valid()) return;
    scx_urcu_free(e, map, h.slot);
  });
}

// The user-space side, once woken: a grace period, then the reclaim program, while anything is
// queued (an index needs two rounds: its side must stop being active, then a grace period pass).
void scx_urcu_drain(Env& env, mk::Kernel& k, Map& map) {
  for (;;) {
    bool pending = false;
    k.run_prog(env, mk::ProgType::kSyscall, [&](Env& e, const mk::ProgCtx&) { pending = scx_urcu_pending(e, map); });
    if (!pending) return;
    env.access({kNoObject, 0, Op::kSyscall}, "scx_urcu: membarrier(MEMBARRIER_CMD_GLOBAL)");
    k.rcu.synchronize(env, RcuFlavour::kRcu);
    k.run_prog(env, mk::ProgType::kSyscall, [&](Env& e, const mk::ProgCtx&) { scx_urcu_reclaim(e, map); });
  }
}

// The daemon's loop: sleep on the doorbell (ring_buffer__poll), drain, sleep again. It runs as a
// daemon actor (sim::ActorOptions::daemon): the execution ends once everything else has finished
// and it sleeps here with the doorbell quiet. The doorbell changes only in bpf_ringbuf_submit's
// write of it (scx_urcu_free) and here, so the wait declares that field as what it reads.
void scx_urcu_daemon(Env& env, mk::Kernel& k, Map& map) {
  const Access reads[] = {{map.urcu.obj, kUrcuDoorbell, Op::kRead}};
  for (;;) {
    if (!env.idle_until([&map] { return map.urcu.doorbell > 0; }, "scx_urcu daemon: ring_buffer__poll(doorbell)", reads)) {
      return;  // the execution is over
    }
    env.read(map.urcu.obj, kUrcuDoorbell, "scx_urcu daemon: ring_buffer__consume(doorbell)");
    map.urcu.doorbell = 0;
    scx_urcu_drain(env, k, map);
  }
}

}  // namespace lsmc::model::mappable

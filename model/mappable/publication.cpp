// Publication: how user space learns which entries exist (per-slot generations, a seqcount, or
// notifications), the syscall that opens a handle, and the generation a user access checks.
#include "model/linux/task_storage.hpp"
#include "model/mappable/internal.hpp"

namespace lsmc::model::mappable {

// bpf_mls_publish() (proposal): tells user space that slot `s` now holds generation `gen` (0:
// freed), the way the publication knob says. Called under mls->lock, after the entry is written.
void bpf_mls_publish(Env& env, Map& map, uint32_t s, uint32_t gen, std::string_view label) {
  const bool seqcount = map.knobs.publication == Publication::kSeqcount;
  if (seqcount) {
    env.write(map.header, kHeaderSeq, "write_seqcount_begin(&hdr->seq)");
    ++map.seq;
  }
  env.write(map.header, kHeaderGen, label);
  map.header_gen[s] = gen;
  if (seqcount) {
    env.write(map.header, kHeaderSeq, "write_seqcount_end(&hdr->seq)");
    ++map.seq;
  }
  if (map.knobs.publication == Publication::kNotification) {
    env.write(map.ring_obj, 0, "bpf_ringbuf_output(&mls->changes, {slot, gen})");
    map.ring.push_back({s, gen});
  }
}

// bpf_mls_handle_open() (proposal syscall)
Handle bpf_mls_handle_open(Env& env, Map& map, mk::Owner& owner, UserLib& lib) {
  if (map.knobs.layout == Layout::kPidArray) return Handle{pid_index(map, owner), 1};  // array[pid]: no syscall
  ++lib.syscalls;
  if (map.smap != nullptr) {
    // map_lookup_elem() by pidfd (the 6.18 model): copy_map_value() copies the value, with uptr
    // fields zeroed.
    const mk::LookupResult r = mk::sys_map_lookup_elem(env, *map.kernel, *map.smap, owner_fd(owner), 0);
    if (r.err != 0) return {};
    if (map.knobs.layout == Layout::kUptr) {
      env.check(false, "user-unreachable",
                "user space asked for " + owner.name + "'s entry: the lookup by pidfd returns the uptr zeroed, and the "
                "memory lies in " + owner.name + "'s own process");
      return {};
    }
    return decode_entry(r.value.data);
  }
  env.access({kNoObject, 0, Op::kSyscall}, "sys_bpf(BPF_MLS_HANDLE_OPEN, pidfd)");
  env.lock(map.lock, "bpf_mls_handle_open: spin_lock_irqsave(&mls->lock)");
  env.read(map.task_slot_id(), 0, "bpf_mls_handle_open: task->mls_slot");
  Handle h;
  if (auto it = map.task_slot().find(&owner); it != map.task_slot().end()) {
    env.read(map.header, kHeaderGen, "bpf_mls_handle_open: hdr->gen[slot]");
    h = {it->second, map.header_gen[it->second]};
    if (map.knobs.publication == Publication::kSeqcount) {
      env.read(map.header, kHeaderSeq, "bpf_mls_handle_open: hdr->seq");
      h.gen = map.seq;  // even: writers hold mls->lock
    }
  }
  env.unlock(map.lock, "bpf_mls_handle_open: spin_unlock_irqrestore");
  return h;
}

// The generation a user read checks, before and after its load: the header's copy (proposal),
// the header's sequence count (kSeqcount), the library's own view (kNotification: no shared
// load), or the entry's own data->tid.genn (arena: sdt bumps it first thing on free).
uint32_t user_gen(Env& env, const Map& map, UserLib& lib, uint32_t s, bool first) {
  if (!(map.knobs.layout == Layout::kRegion && map.knobs.publication == Publication::kNotification)) ++lib.loads;
  if (is_sdt(map)) {
    env.read(map.slots[s].obj, kGen, first ? "user: READ_ONCE(data->tid.genn)" : "user: smp_rmb(); data->tid.genn again");
    return map.slots[s].gen;
  }
  if (map.knobs.layout == Layout::kRegion && map.knobs.publication == Publication::kSeqcount) {
    env.read(map.header, kHeaderSeq, first ? "libbpf_mls_read: read_seqcount_begin(&hdr->seq)" : "libbpf_mls_read: read_seqcount_retry");
    return map.seq;
  }
  if (map.knobs.layout == Layout::kRegion && map.knobs.publication == Publication::kNotification) {
    const auto it = lib.view.find(s);
    return it == lib.view.end() ? 0 : it->second;
  }
  env.read(map.header, kHeaderGen,
           first ? "libbpf_mls_read: smp_load_acquire(&hdr->gen[slot])" : "libbpf_mls_read: smp_rmb(); hdr->gen[slot] again");
  return map.header_gen[s];
}

// Whether the library keeps its own notified view (kNotification on the region): no shared
// generation to check against.
bool notified(const Map& map) {
  return map.knobs.layout == Layout::kRegion && map.knobs.publication == Publication::kNotification;
}

// libbpf_mls_poll() (proposal, kNotification): consumes the changes posted so far into the
// library's view (ring_buffer__poll() in the daemon's event loop).
void libbpf_mls_poll(Env& env, Map& map, UserLib& lib) {
  if (!notified(map)) return;
  ++lib.loads;
  env.read(map.ring_obj, 0, "libbpf_mls_poll: ring_buffer__consume(&changes)");
  for (; lib.ring_pos < map.ring.size(); ++lib.ring_pos) lib.view[map.ring[lib.ring_pos].slot] = map.ring[lib.ring_pos].gen;
}

}  // namespace lsmc::model::mappable

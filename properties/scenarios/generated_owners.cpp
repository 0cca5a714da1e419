#include "properties/scenarios/generated_owners.hpp"

#include <string>

namespace lsmc::properties::scenarios {

void setup_gen_owners(Env& env, World& w, GenOwners& o, bool sk, bool inode, bool seeded) {
  if (sk) {
    o.sk_map = &mk::bpf_sk_storage_map_alloc(env, w.k, "map_s");
    o.sk_map->clone = true;
    o.sk = &mk::sk_alloc(env, w.k, "s", true);
    if (seeded && mk::sys_map_update_elem(env, w.k, *o.sk_map, mk::sockfd_of(*o.sk), mk::Value{9, 0}, mk::kBpfAny) != 0) {
      env.fail("model-error", "seeding the socket's element failed");
    }
  }
  if (inode) {
    o.inode_map = &mk::inode_storage_map_alloc(env, w.k, "map_i");
    o.inode = &mk::new_inode(env, w.k, "i");
    if (seeded && mk::sys_map_update_elem(env, w.k, *o.inode_map, mk::fd_of(*o.inode), mk::Value{9, 0}, mk::kBpfAny) != 0) {
      env.fail("model-error", "seeding the inode's element failed");
    }
  }
}

void run_sk_op(Env& e, World& w, GenOwners& o, int op) {
  if (o.sk == nullptr || o.sk_closed) return;
  mk::Smap& m = *o.sk_map;
  const Ref<mk::Sock> sk = Ref<mk::Sock>::of(o.sk);
  switch (op) {
    case 1:
    case 4:
      w.k.run_prog(e, ProgType::kTracing, [&](Env& e2, const ProgCtx&) {
        if (op == 4) {
          mk::bpf_sk_storage_delete(e2, w.k, m, sk);
          return;
        }
        const auto v = mk::bpf_sk_storage_get(e2, w.k, m, sk, nullptr, mk::kGetFCreate, mk::Gfp::kAtomic);
        if (v) read_value(e2, v, "generated: *sk storage value", &w.k);
      });
      break;
    case 2: mk::sys_map_update_elem(e, w.k, m, mk::sockfd_of(*o.sk), mk::Value{10, 0}, mk::kBpfAny); break;
    case 3: mk::sys_map_delete_elem(e, w.k, m, mk::sockfd_of(*o.sk)); break;
    case 5: {
      // tcp_v4_syn_recv_sock() -> inet_csk_clone_lock() in softirq, under RCU; the new socket is
      // closed at once (its two references).
      w.k.rcu.read_lock(e, model::RcuFlavour::kRcu);
      mk::Sock* child = mk::sk_clone_lock(e, w.k, *o.sk, mk::CloneFailure::kNone);
      w.k.rcu.read_unlock(e, model::RcuFlavour::kRcu);
      if (child != nullptr) {
        e.probe("generated: socket cloned");
        mk::sock_put(e, w.k, Ref<mk::Sock>::of(child));
        mk::sock_put(e, w.k, Ref<mk::Sock>::of(child));
      }
      break;
    }
    case 6:
      o.sk_closed = true;
      mk::sock_put(e, w.k, sk);
      break;
    default: break;
  }
}

void run_inode_op(Env& e, World& w, GenOwners& o, int op) {
  if (o.inode == nullptr || o.inode_put) return;
  mk::Smap& m = *o.inode_map;
  const Ref<mk::Inode> inode = Ref<mk::Inode>::of(o.inode);
  switch (op) {
    case 1:
    case 4:
      mk::ihold(e, w.k, inode);  // the hook's caller holds the inode
      w.k.run_prog(e, ProgType::kLsm, [&](Env& e2, const ProgCtx&) {
        if (op == 4) {
          mk::bpf_inode_storage_delete(e2, w.k, m, inode);
          return;
        }
        const auto v = mk::bpf_inode_storage_get(e2, w.k, m, inode, nullptr, mk::kGetFCreate, mk::Gfp::kAtomic);
        if (v) read_value(e2, v, "generated: *inode storage value", &w.k);
      });
      mk::iput(e, w.k, inode);
      break;
    case 2: mk::sys_map_update_elem(e, w.k, m, mk::fd_of(*o.inode), mk::Value{10, 0}, mk::kBpfAny); break;
    case 3: mk::sys_map_delete_elem(e, w.k, m, mk::fd_of(*o.inode)); break;
    case 5:
      o.inode_put = true;
      mk::iput(e, w.k, inode);
      break;
    default: break;
  }
}

void teardown_gen_owners(Env& e, World& w, GenOwners& o) {
  if (o.sk != nullptr && !o.sk_closed) {
    o.sk_closed = true;
    mk::sock_put(e, w.k, Ref<mk::Sock>::of(o.sk));
  }
  if (o.inode != nullptr && !o.inode_put) {
    o.inode_put = true;
    mk::iput(e, w.k, Ref<mk::Inode>::of(o.inode));
  }
  if (o.sk_map != nullptr) mk::bpf_map_free_deferred(e, w.k, *o.sk_map);
  if (o.inode_map != nullptr) mk::bpf_map_free_deferred(e, w.k, *o.inode_map);
}

}  // namespace lsmc::properties::scenarios

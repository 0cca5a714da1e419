// The generated scenario's other owners (properties/scenarios/kernel/generated.cpp): a socket with
// an sk storage map (BPF_F_CLONE) and an inode with an inode storage map, each worked on by an
// actor whose operations are digits, and closed at teardown.
#pragma once

#include "model/linux/inode_storage.hpp"
#include "model/linux/sk_storage.hpp"
#include "properties/scenarios/kernel_helpers.hpp"

namespace lsmc::properties::scenarios {

struct GenOwners {
  mk::Smap* sk_map = nullptr;
  mk::Sock* sk = nullptr;
  bool sk_closed = false;  // the actor's fd is closed (its reference put)
  mk::Smap* inode_map = nullptr;
  mk::Inode* inode = nullptr;
  bool inode_put = false;  // the file's reference is put (the inode may be evicted)
};

// Set-up: the maps and the owners, each with an element when `seeded`.
void setup_gen_owners(Env& env, World& w, GenOwners& o, bool sk, bool inode, bool seeded);
// The socket actor's digits: 1 a tracing program's get F_CREATE (the socket is its hook's
// argument), 2 syscall update, 3 syscall delete, 4 helper delete, 5 the socket is cloned (an
// incoming connection; the clone is closed at once), 6 the fd is closed early.
void run_sk_op(Env& e, World& w, GenOwners& o, int op);
// The inode actor's digits: 1 a BPF LSM program's get F_CREATE (its hook's caller holds the
// inode), 2 syscall update, 3 syscall delete, 4 helper delete, 5 the file is closed early (the
// inode evicted).
void run_inode_op(Env& e, World& w, GenOwners& o, int op);
// Teardown: the socket and the file are closed, then their maps freed.
void teardown_gen_owners(Env& e, World& w, GenOwners& o);

}  // namespace lsmc::properties::scenarios

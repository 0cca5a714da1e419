// A host build of BPF C, loaded (docs/mls.md, "One source, two targets"). The same source is
// compiled twice: for the BPF target, an object libbpf reads (bpf_object__open, nothing loaded
// into a kernel) for what it declares (maps with their types and sizes, programs with their
// sections), and for the host with clang -fsanitize=thread into a shared object whose code runs
// on lsmc's kernel model. This file loads the pair: the shared object (a private copy per
// thread, so that each worker of a parallel run has its own globals), its symbol table (function
// names for the labels of events, its global variables), and the BPF object's declarations.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/env.hpp"

namespace lsmc::model::bpfhost {

// uapi/linux/bpf.h map types lsmc's host build knows.
inline constexpr uint32_t kMapArray = 2, kMapArrayOfMaps = 12, kMapRingbuf = 27, kMapTaskStorage = 29,
                          kMapCgrpStorage = 32, kMapArena = 33;

struct MapDef {
  std::string name;
  uint32_t type = 0, key_size = 0, value_size = 0, max_entries = 0, flags = 0;
  uint64_t extra = 0;
  uintptr_t addr = 0;  // the definition's global in the host build: what its code passes as &map
};

struct ProgDef {
  std::string name;
  std::string section;  // "raw_tp", "tp_btf/sched_process_exit", "syscall", ...
  void* fn = nullptr;   // int fn(void *ctx)
};

struct Symbol {
  uintptr_t addr = 0;
  uint64_t size = 0;
  std::string name;
};

class Module {
public:
  // Loads `so` (the host build) and reads `obj` (the BPF target's object). Null with `error` set.
  static std::shared_ptr<const Module> load(const std::string& so, const std::string& obj, std::string& error);
  // The loaded module for this thread (loaded once per thread and path pair).
  static std::shared_ptr<const Module> for_thread(const std::string& so, const std::string& obj, std::string& error);
  ~Module();
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  const std::vector<MapDef>& maps() const { return maps_; }
  const std::vector<ProgDef>& programs() const { return programs_; }
  const MapDef* map_at(uintptr_t addr) const;
  const MapDef* map_named(std::string_view name) const;
  const ProgDef* program(std::string_view name) const;
  // A function or variable of the host build, or null.
  void* symbol(std::string_view name) const;
  // The writable global variables of the BPF C (not the map definitions), by name.
  const std::vector<Symbol>& globals() const { return globals_; }
  // Puts every writable global back to its value at load: each execution starts fresh.
  void reset_globals() const;
  // "fn+0x1c: what" for an access at `pc` in the host build, kept for the module's lifetime
  // (event labels are string_views).
  std::string_view label(uintptr_t pc, std::string_view what) const;
  // Names of the 8-byte words of a region ("+0x0", "+0x8", ...): field names for TypeInfo.
  static std::span<const std::string_view> word_names(std::size_t words);
  // A TypeInfo named `name` with `words` word fields, kept for the module's lifetime.
  const TypeInfo& region_type(const std::string& name, std::size_t words) const;
  const std::string& path() const { return so_; }

private:
  Module() = default;
  bool read_symbols(const std::string& file, std::string& error);
  bool read_object(const std::string& obj, std::string& error);

  std::string so_;
  void* handle_ = nullptr;
  uintptr_t base_ = 0;
  std::vector<Symbol> functions_;  // sorted by address
  std::vector<Symbol> globals_;    // sorted by name
  std::unordered_map<std::string, uintptr_t> by_name_;
  std::vector<std::vector<uint8_t>> snapshot_;  // globals_[i]'s bytes at load
  std::vector<MapDef> maps_;
  std::vector<ProgDef> programs_;
  // Caches that only grow; their contents depend on nothing but the module.
  mutable std::unordered_map<uint64_t, std::string> labels_;
  mutable std::unordered_map<std::string, std::unique_ptr<TypeInfo>> types_;
  mutable std::vector<std::unique_ptr<std::string>> names_keep_;
};

}  // namespace lsmc::model::bpfhost

#include "model/bpfhost/module.hpp"

#include <bpf/libbpf.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <link.h>
#include <unistd.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

namespace lsmc::model::bpfhost {

namespace {

int quiet_libbpf(enum libbpf_print_level, const char* format, va_list args) {
  const char* debug = getenv("LSMC_LIBBPF_DEBUG");
  if (debug == nullptr || debug[0] != '1') return 0;
  return vfprintf(stderr, format, args);
}

// A private copy of the shared object: dlopen() of the same file twice gives one instance (one
// set of globals); each thread that runs executions needs its own.
std::string private_copy(const std::string& so, std::string& error) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "lsmc-bpfhost-XXXXXX.so").string();
  const int fd = mkstemps(tmpl.data(), 3);
  if (fd < 0) {
    error = "cannot create a copy of " + so + " in " + std::filesystem::temp_directory_path().string();
    return {};
  }
  close(fd);
  std::error_code ec;
  std::filesystem::copy_file(so, tmpl, std::filesystem::copy_options::overwrite_existing, ec);
  if (ec) {
    error = "cannot copy " + so + ": " + ec.message();
    unlink(tmpl.c_str());
    return {};
  }
  return tmpl;
}

}  // namespace

bool Module::read_object(const std::string& obj, std::string& error) {
  libbpf_set_print(quiet_libbpf);
  bpf_object* o = bpf_object__open_file(obj.c_str(), nullptr);
  if (o == nullptr) {
    error = "libbpf cannot read " + obj + ": " + strerror(errno);
    return false;
  }
  bpf_map* map = nullptr;
  bpf_object__for_each_map(map, o) {
    if (bpf_map__is_internal(map)) continue;  // .bss/.data/.rodata: the host build's own globals
    maps_.push_back({bpf_map__name(map), static_cast<uint32_t>(bpf_map__type(map)), bpf_map__key_size(map),
                     bpf_map__value_size(map), bpf_map__max_entries(map), bpf_map__map_flags(map),
                     bpf_map__map_extra(map), 0});
  }
  bpf_program* prog = nullptr;
  bpf_object__for_each_program(prog, o) {
    programs_.push_back({bpf_program__name(prog), bpf_program__section_name(prog), nullptr});
  }
  bpf_object__close(o);
  return true;
}

bool Module::read_symbols(const std::string& file, std::string& error) {
  elf_version(EV_CURRENT);
  const int fd = open(file.c_str(), O_RDONLY | O_CLOEXEC);
  Elf* elf = fd >= 0 ? elf_begin(fd, ELF_C_READ, nullptr) : nullptr;
  if (elf == nullptr) {
    error = "cannot read the symbols of " + file;
    if (fd >= 0) close(fd);
    return false;
  }
  std::vector<bool> writable;
  std::size_t sections = 0;
  elf_getshdrnum(elf, &sections);
  writable.resize(sections);
  for (Elf_Scn* scn = nullptr; (scn = elf_nextscn(elf, scn)) != nullptr;) {
    GElf_Shdr sh;
    gelf_getshdr(scn, &sh);
    writable[elf_ndxscn(scn)] = (sh.sh_flags & SHF_WRITE) && (sh.sh_flags & SHF_ALLOC);
    if (sh.sh_type != SHT_SYMTAB) continue;
    Elf_Data* data = elf_getdata(scn, nullptr);
    const std::size_t n = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
    for (std::size_t i = 0; i < n; ++i) {
      GElf_Sym sym;
      gelf_getsym(data, static_cast<int>(i), &sym);
      const char* name = elf_strptr(elf, sh.sh_link, sym.st_name);
      if (name == nullptr || name[0] == 0 || sym.st_value == 0) continue;
      const uintptr_t addr = base_ + sym.st_value;
      by_name_.emplace(name, addr);
      if (GELF_ST_TYPE(sym.st_info) == STT_FUNC && sym.st_size > 0) functions_.push_back({addr, sym.st_size, name});
      if (GELF_ST_TYPE(sym.st_info) == STT_OBJECT && sym.st_size > 0 && sym.st_shndx < writable.size() &&
          writable[sym.st_shndx] && name[0] != '_') {
        globals_.push_back({addr, sym.st_size, name});
      }
    }
  }
  elf_end(elf);
  close(fd);
  std::sort(functions_.begin(), functions_.end(), [](const Symbol& a, const Symbol& b) { return a.addr < b.addr; });
  std::erase_if(globals_, [this](const Symbol& g) { return map_named(g.name) != nullptr; });
  std::sort(globals_.begin(), globals_.end(), [](const Symbol& a, const Symbol& b) { return a.name < b.name; });
  return true;
}

std::shared_ptr<const Module> Module::load(const std::string& so, const std::string& obj, std::string& error) {
  std::shared_ptr<Module> m(new Module());
  m->so_ = so;
  if (!m->read_object(obj, error)) return nullptr;
  const std::string copy = private_copy(so, error);
  if (copy.empty()) return nullptr;
  m->handle_ = dlopen(copy.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (m->handle_ == nullptr) {
    error = std::string("cannot load the host build: ") + dlerror();
    unlink(copy.c_str());
    return nullptr;
  }
  link_map* lm = nullptr;
  dlinfo(m->handle_, RTLD_DI_LINKMAP, &lm);
  m->base_ = lm != nullptr ? lm->l_addr : 0;
  const bool ok = m->read_symbols(copy, error);
  unlink(copy.c_str());
  if (!ok) return nullptr;
  for (MapDef& map : m->maps_) {
    const auto it = m->by_name_.find(map.name);
    if (it == m->by_name_.end()) {
      error = "map " + map.name + " of " + obj + " has no definition in the host build " + so;
      return nullptr;
    }
    map.addr = it->second;
  }
  for (ProgDef& prog : m->programs_) {
    const auto it = m->by_name_.find(prog.name);
    if (it == m->by_name_.end()) {
      error = "program " + prog.name + " of " + obj + " has no code in the host build " + so;
      return nullptr;
    }
    prog.fn = reinterpret_cast<void*>(it->second);
  }
  for (const Symbol& g : m->globals_) {
    const auto* p = reinterpret_cast<const uint8_t*>(g.addr);
    m->snapshot_.emplace_back(p, p + g.size);
  }
  return m;
}

std::shared_ptr<const Module> Module::for_thread(const std::string& so, const std::string& obj, std::string& error) {
  // Loaded code, not execution state: each thread keeps its own copy for the process's life.
  thread_local std::map<std::string, std::shared_ptr<const Module>> loaded;
  const std::string key = so + '\n' + obj;
  if (auto it = loaded.find(key); it != loaded.end()) return it->second;
  auto m = load(so, obj, error);
  if (m) loaded.emplace(key, m);
  return m;
}

Module::~Module() {
  if (handle_ != nullptr) dlclose(handle_);
}

const MapDef* Module::map_at(uintptr_t addr) const {
  for (const MapDef& m : maps_) {
    if (m.addr == addr) return &m;
  }
  return nullptr;
}

const MapDef* Module::map_named(std::string_view name) const {
  for (const MapDef& m : maps_) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

const ProgDef* Module::program(std::string_view name) const {
  for (const ProgDef& p : programs_) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

void* Module::symbol(std::string_view name) const {
  const auto it = by_name_.find(std::string(name));
  return it == by_name_.end() ? nullptr : reinterpret_cast<void*>(it->second);
}

void Module::reset_globals() const {
  for (std::size_t i = 0; i < globals_.size(); ++i) {
    std::memcpy(reinterpret_cast<void*>(globals_[i].addr), snapshot_[i].data(), snapshot_[i].size());
  }
}

std::string_view Module::label(uintptr_t pc, std::string_view what) const {
  if (auto it = labels_.find(pc); it != labels_.end()) return it->second;
  const auto f = std::upper_bound(functions_.begin(), functions_.end(), pc,
                                  [](uintptr_t a, const Symbol& s) { return a < s.addr; });
  std::string text;
  if (f != functions_.begin() && pc < std::prev(f)->addr + std::prev(f)->size) {
    char off[32];
    snprintf(off, sizeof(off), "+0x%lx", static_cast<unsigned long>(pc - std::prev(f)->addr));
    text = std::prev(f)->name + off;
  } else {
    text = "?";
  }
  text += ": ";
  text += what;
  return labels_.emplace(pc, std::move(text)).first->second;
}

std::span<const std::string_view> Module::word_names(std::size_t words) {
  // Immutable after its first construction: "+0x0" .. "+0xff8", the words of a 4 KiB region.
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (int i = 0; i < 512; ++i) {
      char b[16];
      snprintf(b, sizeof(b), "+0x%x", i * 8);
      v.emplace_back(b);
    }
    return v;
  }();
  static const std::vector<std::string_view> views(names.begin(), names.end());
  return std::span<const std::string_view>(views).first(std::min<std::size_t>(words, views.size()));
}

const TypeInfo& Module::region_type(const std::string& name, std::size_t words) const {
  const std::string key = name + '#' + std::to_string(words);
  auto& slot = types_[key];
  if (!slot) {
    auto* owned = new std::string(name);  // lives with the TypeInfo, in this module
    names_keep_.emplace_back(owned);
    slot = std::make_unique<TypeInfo>(TypeInfo{*owned, word_names(words)});
  }
  return *slot;
}

}  // namespace lsmc::model::bpfhost

// check-bpf's build of a BPF C file: the same source for the BPF target (what libbpf reads) and
// for the host (clang-19 -fsanitize=thread, linked without the sanitizer runtime), with what the
// compiler and the loader refuse turned into the names of what lsmc does not model.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <regex>
#include <set>
#include <sstream>

#include "model/bpfhost/module.hpp"
#include "properties/check_bpf.hpp"

#ifndef LSMC_CLANG_HOST
#error "LSMC_CLANG_HOST names clang-19 (model/bpfhost/CMakeLists.txt)"
#endif
#ifndef LSMC_BPFHOST_DIR
#error "LSMC_BPFHOST_DIR names model/bpfhost in the source tree"
#endif

namespace lsmc::properties {

namespace {

namespace fs = std::filesystem;

// Runs argv; its output (stdout and stderr) in `out`; the exit status, or -1 if it did not run.
int run(const std::vector<std::string>& argv, std::string& out) {
  int p[2];
  if (pipe(p) != 0) return -1;
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(p[1], 1);
    dup2(p[1], 2);
    close(p[0]);
    close(p[1]);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(p[1]);
  char buf[4096];
  for (ssize_t n; (n = read(p[0], buf, sizeof(buf))) > 0;) out.append(buf, static_cast<std::size_t>(n));
  close(p[0]);
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The compiler's errors as what lsmc does not model, with the line they are on.
std::vector<std::string> unsupported_in(const std::string& log) {
  static const std::vector<std::pair<std::regex, std::string>> kRules = {
      {std::regex(R"(:(\d+):\d+: error: call to undeclared function '([^']+)')"), "helper or kfunc $2 (line $1)"},
      {std::regex(R"(:(\d+):\d+: error: use of undeclared identifier '([^']+)')"), "helper or constant $2 (line $1)"},
      {std::regex(R"(:(\d+):\d+: error: no member named '([^']+)' in '([^']+)')"), "field $2 of $3 (line $1)"},
      {std::regex(R"(:(\d+):\d+: error: unknown type name '([^']+)')"), "type $2 (line $1)"},
      {std::regex(R"(:(\d+):\d+: error: incomplete definition of type '([^']+)')"), "type $2 (line $1)"},
      {std::regex(R"(:(\d+):\d+: error: variable has incomplete type '([^']+)')"), "type $2 (line $1)"},
  };
  std::vector<std::string> out;
  std::set<std::string> seen;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    for (const auto& [re, format] : kRules) {
      std::smatch m;
      if (!std::regex_search(line, m, re)) continue;
      std::string what = m.format(format);
      if (seen.insert(what).second) out.push_back(what);
    }
  }
  return out;
}

std::string first_error(const std::string& log) {
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("error:") != std::string::npos) return line;
  }
  return log.substr(0, 400);
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// `copy` is the file copied into the build directory next to lsmc's vmlinux.h, so that its
// #include "vmlinux.h" (searched first in the including file's own directory) is lsmc's; its
// other headers are found in `origin`, the file's own directory.
std::vector<std::string> host_compile(const std::string& dir, const std::string& copy, const std::string& origin,
                                      const std::string& obj) {
  return {LSMC_CLANG_HOST, "-O1", "-g", "-fPIC", "-fexceptions", "-fsanitize=thread", "-mllvm",
          "-tsan-distinguish-volatile=1", "-mllvm", "-tsan-instrument-read-before-write=1",
          "-Werror=implicit-function-declaration", "-I" + dir + "/include-host", "-I" + dir + "/include",
          "-I" + origin, "-c", copy, "-o", obj};
}

std::vector<std::string> bpf_compile(const std::string& dir, const std::string& copy, const std::string& origin,
                                     const std::string& obj) {
  return {LSMC_CLANG_HOST, "-target", "bpf", "-g", "-O2", "-D__TARGET_ARCH_x86", "-I" + dir + "/include",
          "-I" + origin, "-c", copy, "-o", obj};
}

bool holds_headers(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / "include" / "vmlinux.h", ec) && fs::is_directory(dir / "include-host", ec);
}

}  // namespace

std::string bpfhost_dir(std::string& error) {
  if (const char* env = std::getenv("LSMC_BPFHOST_DIR"); env != nullptr && *env != '\0') {
    if (holds_headers(env)) return env;
    error = "LSMC_BPFHOST_DIR=" + std::string(env) + " holds no include/vmlinux.h and include-host/ (check-bpf's headers)";
    return {};
  }
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  const fs::path installed = exe.parent_path().parent_path() / "share" / "lsmc" / "bpfhost";
  if (!ec && holds_headers(installed)) return installed.lexically_normal().string();
  if (holds_headers(LSMC_BPFHOST_DIR)) return LSMC_BPFHOST_DIR;
  error = "check-bpf's headers are not found: neither " + installed.string() + " (an installed lsmc) nor " +
          std::string(LSMC_BPFHOST_DIR) + " (the source tree lsmc was built from) holds include/vmlinux.h and "
          "include-host/; set LSMC_BPFHOST_DIR";
  return {};
}

BpfBuild build_bpf(const std::string& file) {
  BpfBuild b;
  const std::string headers = bpfhost_dir(b.error);
  if (headers.empty()) return b;
  const std::string text = read_all(file);
  if (text.empty()) {
    b.error = "cannot read " + file;
    return b;
  }
  // The cache directory is named by the headers used and the file's path and contents: a changed
  // file builds again.
  const std::size_t key = std::hash<std::string>{}(headers + '\n' + file + '\n' + text);
  const fs::path dir = fs::temp_directory_path() / ("lsmc-check-bpf-" + std::to_string(key));
  std::error_code ec;
  fs::create_directories(dir, ec);
  const std::string host_obj = (dir / "host.o").string();
  b.so = (dir / "host.so").string();
  b.obj = (dir / "bpf.o").string();
  if (fs::exists(b.so) && fs::exists(b.obj)) return b;
  const std::string copy = (dir / fs::path(file).filename()).string();
  const std::string origin = fs::path(file).parent_path().string();
  fs::copy_file(file, copy, fs::copy_options::overwrite_existing, ec);
  fs::copy_file(headers + "/include/vmlinux.h", dir / "vmlinux.h",
                fs::copy_options::overwrite_existing, ec);
  if (ec) {
    b.error = "cannot prepare the build in " + dir.string() + ": " + ec.message();
    return b;
  }
  std::string log;
  if (run(host_compile(headers, copy, origin, host_obj), log) != 0) {
    b.unsupported = unsupported_in(log);
    if (b.unsupported.empty()) b.error = "does not compile for lsmc's host build: " + first_error(log);
    return b;
  }
  log.clear();
  if (run(bpf_compile(headers, copy, origin, b.obj), log) != 0) {
    b.error = "does not compile for the BPF target: " + first_error(log);
    return b;
  }
  log.clear();
  const std::string tmp = b.so + ".tmp";
  if (run({LSMC_CLANG_HOST, "-shared", "-o", tmp, host_obj}, log) != 0) {
    b.error = "cannot link the host build: " + first_error(log);
    return b;
  }
  fs::rename(tmp, b.so, ec);
  return b;
}

}  // namespace lsmc::properties

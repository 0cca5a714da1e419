// Where lsmc was configured without the host build of BPF C (clang-19, libbpf and libelf were not
// found), the mls library's host-build tests and lsmc check-bpf's tests are not compiled; these
// two say so with one line each instead of vanishing from the test list.
#include <gtest/gtest.h>

namespace lsmc {
namespace {

constexpr const char* kWhy =
    "no host build of BPF C in this build (configure found no clang-19, libbpf or libelf; tools/install-deps.sh "
    "installs them)";

TEST(MlsLibrary, HostBuildUnavailable) { GTEST_SKIP() << kWhy; }

TEST(CheckBpf, HostBuildUnavailable) { GTEST_SKIP() << kWhy; }

}  // namespace
}  // namespace lsmc

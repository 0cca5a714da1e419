// RapidCheck properties whose case count depends on the build: the full count (RapidCheck's
// max_success, 100 unless RC_PARAMS says otherwise) in Release, at most `sanitized` cases in the
// ASan+UBSan build (LSMC_SANITIZE), which runs the same code about six times slower and checks
// memory, not coverage. RC_PARAMS's seed still applies, so a failure reproduces as usual.
// `release` (optional) caps the Release count too, for properties whose cases are slow; an
// RC_PARAMS that names max_success lifts that cap (for a longer run by hand).
#pragma once

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <string>
#include <string_view>

namespace lsmc::test {

template <typename Testable>
void check_property(Testable&& testable, [[maybe_unused]] int sanitized, int release = 0) {
  rc::detail::TestParams params = rc::detail::configuration().testParams;
  const char* rc_params = std::getenv("RC_PARAMS");
  if (release > 0 && (rc_params == nullptr || std::string_view(rc_params).find("max_success") == std::string_view::npos)) {
    params.maxSuccess = std::min(params.maxSuccess, release);
  }
#ifdef LSMC_SANITIZE
  params.maxSuccess = std::min(params.maxSuccess, sanitized);
#endif
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  rc::detail::TestMetadata metadata;
  metadata.id = std::string(info->test_suite_name()) + "/" + info->name();
  metadata.description = info->name();
  const auto result = rc::detail::checkTestable(std::forward<Testable>(testable), metadata, params);
  if (!result.template is<rc::detail::SuccessResult>()) {
    std::ostringstream ss;
    rc::detail::printResultMessage(result, ss);
    FAIL() << ss.str();
  }
}

}  // namespace lsmc::test

// A RapidCheck listener that prints nothing: lsmc's own commands (kernel diff, generate) run
// RapidCheck as a library and report in their own words.
#pragma once

#include <rapidcheck.h>

namespace lsmc::properties {

class QuietListener final : public rc::detail::TestListener {
public:
  void onTestCaseFinished(const rc::detail::CaseDescription&) override {}
  void onShrinkTried(const rc::detail::CaseDescription&, bool) override {}
  void onTestFinished(const rc::detail::TestMetadata&, const rc::detail::TestResult&) override {}
};

}  // namespace lsmc::properties

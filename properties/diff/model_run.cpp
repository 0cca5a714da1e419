#include "properties/diff/model_run.hpp"

#include <stdexcept>

#include "properties/lifetime.hpp"
#include "sim/runner.hpp"

namespace lsmc::properties::diff {

void run_model_once(const sim::Scenario& sequence, const std::string& profile) {
  sim::RunRequest req;
  req.scenario = &sequence;
  req.config.executions_max = 1;
  if (!profile.empty()) req.config.profile = profile;
  req.observers = properties::default_observers;
  const sim::RunReport r = sim::run(req);
  if (r.outcome != sim::Outcome::kNothingFound) {
    throw std::runtime_error("the model itself reports " +
                             (r.failure ? r.failure->verdict.property + ": " + r.failure->verdict.message : r.nondeterminism));
  }
}

}  // namespace lsmc::properties::diff

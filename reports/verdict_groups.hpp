#pragma once
// Verdicts grouped the way people and CI read them: per probe x subject, worst outcome first.

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "core/verdict.hpp"

namespace kiln {

struct VerdictGroup {
  std::string probe;
  Subject subject;
  Outcome worst = Outcome::kPass;
  std::vector<Verdict> verdicts;  // in report order
  // The reasons of the verdicts that are as bad as the worst, one per line.
  std::string WorstReasons() const;
};

// In the order probes first appear in the report, subjects in order within a probe.
std::vector<VerdictGroup> GroupVerdicts(const nlohmann::json& report);

}  // namespace kiln

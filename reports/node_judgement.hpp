#pragma once
// What a report says about each node on its own: the worst verdict that speaks against it. A node's own
// and its devices' verdicts count; a pair's failure counts against a node that fails with two or more
// partners (one failing pair alone does not say which end is at fault); a group's does not count.

#include <nlohmann/json.hpp>

#include <map>
#include <string>

#include "core/verdict.hpp"

namespace kiln {

struct NodeJudgement {
  Outcome outcome = Outcome::kPass;
  std::string reason;  // of the worst verdict against it; empty when it passed
};

// Every node of the report's cluster, by name.
std::map<std::string, NodeJudgement> JudgeNodes(const nlohmann::json& report);

}  // namespace kiln

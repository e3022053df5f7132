#pragma once
// A node is a machine: the verdict on nodes whose hostname answers for more than one machine.

#include <string_view>
#include <vector>

#include "core/verdict.hpp"
#include "reports/run_record.hpp"

namespace kiln {

inline constexpr std::string_view kNodeIdentityProbe = "node";
inline constexpr std::string_view kNodeIdentityMetric = "node.identity";

// Pure. For each hostname whose nodes carry more than one machine identity (machine-id, boot id, serial): a failing
// verdict on each of those nodes, naming its own machine and another one of that hostname (node, machine-id, boot
// id, ranks), so that such a run is never accepted. Nodes without a hostname (simulated clusters, older reports)
// are not judged; nodes of one machine (several ranks, --rank-as-node) pass silently: no verdict.
std::vector<Verdict> NodeIdentityVerdicts(const std::vector<NodeRecord>& nodes);

}  // namespace kiln

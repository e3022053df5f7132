#include "reports/node_identity.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <string>

namespace kiln {
namespace {

// The first `most` items, then "and N more": a reason stays short on a cluster of 1,000 "localhost"s.
template <typename T>
std::string Some(const std::vector<T>& items, std::size_t most = 8) {
  if (items.size() <= most) return fmt::format("{}", fmt::join(items, ", "));
  std::vector<T> first(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(most));
  return fmt::format("{} and {} more", fmt::join(first, ", "), items.size() - most);
}

// One machine of a hostname: its identity and the nodes (one, or several with --rank-as-node) that ran on it.
struct Machine {
  MachineIdentity identity;
  std::vector<std::string> nodes;
  std::vector<int> ranks;

  std::string Describe() const {
    return fmt::format("node{} {} ({}; rank{} {})", nodes.size() == 1 ? "" : "s", Some(nodes), identity.Describe(),
                       ranks.size() == 1 ? "" : "s", Some(ranks));
  }
};

std::vector<Machine> MachinesOf(const std::vector<const NodeRecord*>& nodes) {
  std::vector<Machine> machines;
  for (const NodeRecord* node : nodes) {
    auto same = std::find_if(machines.begin(), machines.end(),
                             [&](const Machine& m) { return m.identity == node->identity; });
    if (same == machines.end()) same = machines.insert(machines.end(), Machine{node->identity, {}, {}});
    same->nodes.push_back(node->name);
    same->ranks.insert(same->ranks.end(), node->ranks.begin(), node->ranks.end());
  }
  return machines;
}

}  // namespace

std::vector<Verdict> NodeIdentityVerdicts(const std::vector<NodeRecord>& nodes) {
  std::map<std::string, std::vector<const NodeRecord*>> by_hostname;
  std::vector<std::string> order;  // hostnames in order of their first node, for a stable report
  for (const NodeRecord& node : nodes) {
    if (node.hostname.empty()) continue;
    auto [it, fresh] = by_hostname.try_emplace(node.hostname);
    if (fresh) order.push_back(node.hostname);
    it->second.push_back(&node);
  }
  std::vector<Verdict> verdicts;
  for (const std::string& hostname : order) {
    std::vector<Machine> machines = MachinesOf(by_hostname[hostname]);
    if (machines.size() < 2) continue;
    for (std::size_t own = 0; own < machines.size(); ++own) {
      const Machine& other = machines[own == 0 ? 1 : 0];
      std::string others = machines.size() == 2 ? "" : fmt::format(", and {} more", machines.size() - 2);
      for (const std::string& name : machines[own].nodes) {
        Verdict v;
        v.probe = std::string(kNodeIdentityProbe);
        v.metric = v.series = std::string(kNodeIdentityMetric);
        v.subject = Subject::Node(name);
        v.outcome = Outcome::kFail;
        v.rule = "one hostname, one machine: ranks on different machines (machine-id, boot id, serial) are "
                 "different nodes, never merged";
        v.reason = fmt::format("hostname '{}' answers for {} machines: this one is {}; another is {}{}; give each "
                               "machine a hostname of its own, and judge each",
                               hostname, machines.size(), machines[own].Describe(), other.Describe(), others);
        verdicts.push_back(std::move(v));
      }
    }
  }
  return verdicts;
}

}  // namespace kiln

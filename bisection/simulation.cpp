#include "bisection/simulation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <limits>
#include <map>

#include "core/errors.hpp"
#include "core/xml_file.hpp"
#include "bisection/topology.hpp"

namespace kiln {
namespace {

int NumberAttribute(const XmlFile& file, pugi::xml_node node, const char* name, int fallback, int min,
                    int max = std::numeric_limits<int>::max()) {
  pugi::xml_attribute attribute = node.attribute(name);
  if (!attribute) return fallback;
  std::string_view text = attribute.value();
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    file.Fail(node, max == std::numeric_limits<int>::max()
                        ? fmt::format("{}=\"{}\" must be a whole number >= {}", name, text, min)
                        : fmt::format("{}=\"{}\" must be a whole number from {} to {}", name, text, min, max));
  }
  return value;
}

double RealAttribute(const XmlFile& file, pugi::xml_node node, const char* name, double fallback, double min,
                     double max) {
  pugi::xml_attribute attribute = node.attribute(name);
  if (!attribute) return fallback;
  std::string text = attribute.value();
  try {
    std::size_t used = 0;
    double value = std::stod(text, &used);
    if (used == text.size() && value >= min && value <= max) return value;
  } catch (const std::exception&) {
  }
  file.Fail(node, fmt::format("{}=\"{}\" must be a number from {} to {}", name, text, min, max));
}

}  // namespace

std::vector<std::vector<int>> SimulatedCluster::Culprits() const {
  std::vector<std::vector<int>> culprits;
  for (const SimulatedFault& f : faults) {
    if (f.kind == FaultKind::kSlowSwitch || f.kind == FaultKind::kSlowUplink) continue;
    if (f.kind == FaultKind::kSlowLink) {
      culprits.push_back({std::min(f.node, f.other), std::max(f.node, f.other)});
    } else {
      culprits.push_back({f.node});
    }
  }
  return culprits;
}

namespace {

// The cluster's node names are prefix + a zero-padded index: a name is read back by its digits, not looked up.
struct NodeNamesOf {
  const SimulatedCluster& cluster;
  std::string prefix;
  std::size_t width;

  int Find(const std::string& name) const {
    if (name.size() != prefix.size() + width || name.compare(0, prefix.size(), prefix) != 0) return -1;
    long long index = 0;
    for (std::size_t i = prefix.size(); i < name.size(); ++i) {
      if (name[i] < '0' || name[i] > '9') return -1;
      index = index * 10 + (name[i] - '0');
    }
    return index < static_cast<long long>(cluster.nodes.size()) ? static_cast<int>(index) : -1;
  }
};

SimulatedFault ReadFault(const XmlFile& file, pugi::xml_node element, const NodeNamesOf& names) {
  auto node_at = [&](const char* attribute) {
    std::string name = file.Required(element, attribute);
    int index = names.Find(name);
    if (index < 0) {
      file.Fail(element, fmt::format("{}=\"{}\" is not a node of this cluster ({} .. {})", attribute, name,
                                     names.cluster.nodes.front(), names.cluster.nodes.back()));
    }
    return index;
  };
  std::string kind = file.Required(element, "kind");
  SimulatedFault fault;
  fault.where = file.Where(element);
  if (kind == "slow_node") {
    file.RequireAttributes(element, {"kind", "node", "min_group", "alone"});
    fault.kind = FaultKind::kSlowNode;
    fault.node = node_at("node");
    fault.min_group = NumberAttribute(file, element, "min_group", 2, 1);
    if (element.attribute("alone").as_bool(false)) fault.min_group = 1;
  } else if (kind == "slow_link") {
    file.RequireAttributes(element, {"kind", "a", "b", "max_group"});
    fault.kind = FaultKind::kSlowLink;
    fault.max_group = NumberAttribute(file, element, "max_group", 0, 2);
    fault.node = node_at("a");
    fault.other = node_at("b");
    if (fault.node == fault.other) file.Fail(element, "a link needs two different nodes");
  } else if (kind == "hung_node" || kind == "crash_node") {
    file.RequireAttributes(element, {"kind", "node"});
    fault.kind = kind == "hung_node" ? FaultKind::kHungNode : FaultKind::kCrashNode;
    fault.node = node_at("node");
    fault.min_group = 1;
  } else if (kind == "flapping_node") {
    file.RequireAttributes(element, {"kind", "node", "probability", "alone"});
    fault.kind = FaultKind::kFlappingNode;
    fault.node = node_at("node");
    fault.probability = RealAttribute(file, element, "probability", 0.5, 0.01, 1);
    fault.min_group = element.attribute("alone").as_bool(false) ? 1 : 2;
  } else if (kind == "slow_switch" || kind == "slow_uplink") {
    file.RequireAttributes(element, {"kind", "switch"});
    fault.kind = kind == "slow_switch" ? FaultKind::kSlowSwitch : FaultKind::kSlowUplink;
    fault.switch_name = file.Required(element, "switch");
  } else {
    file.Fail(element, fmt::format("unknown fault kind '{}' (slow_node, slow_link, hung_node, crash_node, "
                                   "flapping_node, slow_switch, slow_uplink)", kind));
  }
  return fault;
}

}  // namespace

SimulatedCluster LoadSimulatedCluster(const std::string& path) {
  XmlFile file = XmlFile::Load(path);
  pugi::xml_node root = file.root();
  file.RequireRoot("cluster", {});
  file.RequireAttributes(root, {"name", "nodes", "prefix", "seed", "healthy_value", "slow_value", "sensitivity"});
  SimulatedCluster cluster;
  cluster.path = path;
  cluster.name = root.attribute("name").as_string("simulated");
  int count = NumberAttribute(file, root, "nodes", 0, 1, kMaxSimulatedNodes);
  if (!root.attribute("nodes")) file.Fail(root, "<cluster> needs nodes=\"N\"");
  cluster.seed = static_cast<std::uint64_t>(NumberAttribute(file, root, "seed", 1, 0));
  cluster.healthy_value = RealAttribute(file, root, "healthy_value", 100, 0, 1e300);
  cluster.slow_value = RealAttribute(file, root, "slow_value", 10, 0, 1e300);
  const NodeNamesOf names{cluster, root.attribute("prefix").as_string("node"), std::to_string(count - 1).size()};
  cluster.nodes.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) cluster.nodes.push_back(fmt::format("{}{:0{}}", names.prefix, i, names.width));
  for (pugi::xml_node element : root.children()) {
    if (element.type() != pugi::node_element) continue;
    if (std::string_view(element.name()) != "fault") {
      file.Fail(element, fmt::format("unknown element <{}> (expected <fault>)", element.name()));
    }
    cluster.faults.push_back(ReadFault(file, element, names));
  }
  cluster.sensitivity = NumberAttribute(file, root, "sensitivity", 0, 2);
  for (const SimulatedFault& f : cluster.faults) {  // unstated: the dilution the file's links are simulated with
    if (root.attribute("sensitivity") || f.max_group == 0) continue;
    cluster.sensitivity = cluster.sensitivity == 0 ? f.max_group : std::min(cluster.sensitivity, f.max_group);
  }
  return cluster;
}

void AttachTopology(SimulatedCluster& cluster, const Topology* topology) {
  for (SimulatedFault& f : cluster.faults) {
    if (f.kind != FaultKind::kSlowSwitch && f.kind != FaultKind::kSlowUplink) continue;
    if (topology == nullptr) throw InputError(f.where + ": a switch fault needs --topology FILE");
    f.node = topology->Find(f.switch_name);
    if (f.node < 0 || topology->NodesUnder(f.node).empty()) {
      throw InputError(fmt::format("{}: switch=\"{}\" is not a leaf of {} with nodes of this cluster under it",
                                   f.where, f.switch_name, topology->path));
    }
  }
  if (topology != nullptr) cluster.leaf_of = topology->leaf_of;
}

SimulatedExecutor::SimulatedExecutor(const SimulatedCluster& cluster)
    : cluster_(cluster), present_(cluster.nodes.size(), 0), random_(cluster.seed) {}

std::vector<TrialResult> SimulatedExecutor::RunRound(const std::vector<Trial>& trials) {
  std::vector<TrialResult> results;
  results.reserve(trials.size());
  for (const Trial& trial : trials) results.push_back(Judge(trial));
  return results;
}

TrialResult SimulatedExecutor::Judge(const Trial& trial) {
  for (int node : trial.members) present_[static_cast<std::size_t>(node)] = 1;
  auto in = [&](int node) { return present_[static_cast<std::size_t>(node)] != 0; };
  int size = static_cast<int>(trial.members.size());
  TrialResult result;
  result.metric = "simulated.busbw";
  result.unit = "GB/s";
  result.value = cluster_.healthy_value;
  result.outcome = TrialOutcome::kPass;
  std::uniform_real_distribution<double> coin(0, 1);
  for (const SimulatedFault& f : cluster_.faults) {
    if (f.kind == FaultKind::kSlowSwitch || f.kind == FaultKind::kSlowUplink) {
      int under = 0;
      for (int node : trial.members) under += cluster_.leaf_of[static_cast<std::size_t>(node)] == f.node ? 1 : 0;
      bool slow = f.kind == FaultKind::kSlowSwitch ? under > 0 && size >= 2 : under > 0 && under < size;
      if (slow && result.outcome == TrialOutcome::kPass) result.outcome = TrialOutcome::kFail;
      continue;
    }
    if (!in(f.node)) continue;
    TrialOutcome outcome = TrialOutcome::kPass;
    switch (f.kind) {
      case FaultKind::kSlowNode: outcome = size >= f.min_group ? TrialOutcome::kFail : TrialOutcome::kPass; break;
      case FaultKind::kSlowLink:
        outcome = in(f.other) && (f.max_group == 0 || size <= f.max_group) ? TrialOutcome::kFail : TrialOutcome::kPass;
        break;
      case FaultKind::kHungNode: outcome = TrialOutcome::kHang; break;
      case FaultKind::kCrashNode: outcome = TrialOutcome::kCrash; break;
      case FaultKind::kFlappingNode:
        outcome = size >= f.min_group && coin(random_) < f.probability ? TrialOutcome::kFail : TrialOutcome::kPass;
        break;
      case FaultKind::kSlowSwitch:
      case FaultKind::kSlowUplink: break;  // judged above
    }
    // The worst fault present decides: a hang hides a slow node.
    if (outcome == TrialOutcome::kHang || (outcome != TrialOutcome::kPass && result.outcome == TrialOutcome::kPass) ||
        (outcome == TrialOutcome::kCrash && result.outcome == TrialOutcome::kFail)) {
      result.outcome = outcome;
    }
  }
  switch (result.outcome) {
    case TrialOutcome::kFail:
      result.value = cluster_.slow_value;
      result.reason = fmt::format("below the floor in a test of {} node(s)", size);
      break;
    case TrialOutcome::kHang:
      result.value.reset();
      result.reason = "no result before the timeout";
      break;
    case TrialOutcome::kCrash:
      result.value.reset();
      result.reason = "a rank died";
      break;
    default: break;
  }
  for (int node : trial.members) present_[static_cast<std::size_t>(node)] = 0;
  return result;
}

}  // namespace kiln

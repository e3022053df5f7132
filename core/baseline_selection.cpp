#include "core/baseline_selection.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>

namespace kiln {
namespace {

Verdict Problem(const std::string& node, Outcome outcome, std::string reason) {
  Verdict v;
  v.probe = "baseline";
  v.metric = "node.kind";
  v.series = "node.kind";
  v.subject = Subject::Node(node);
  v.outcome = outcome;
  v.rule = "every node must be of a kind the baseline is for";
  v.source = "kiln run --baseline auto";
  v.reason = std::move(reason);
  return v;
}

std::string ShapeList(const Baseline& baseline) {
  std::vector<std::string> shapes;
  for (const NodeShape& shape : baseline.shapes) shapes.push_back(fmt::format("{} ({})", shape.name, Describe(shape)));
  return fmt::format("{}", fmt::join(shapes, "; "));
}

const Baseline* BaselineForGpu(const std::vector<Baseline>& catalog, const std::string& model) {
  for (const Baseline& baseline : catalog) {
    for (const std::string& glob : baseline.gpu_models) {
      if (GlobMatches(glob, model)) return &baseline;
    }
  }
  return nullptr;
}

// The facts most nodes share; every other node is a problem of its own.
const NodeFacts* MajorityKind(const std::vector<NodeFacts>& nodes, BaselineSelection& out) {
  std::map<std::string, std::vector<const NodeFacts*>> kinds;
  for (const NodeFacts& facts : nodes) {
    if (facts.inventoried) kinds[facts.Signature()].push_back(&facts);
  }
  if (kinds.empty()) return nullptr;
  auto majority = std::max_element(kinds.begin(), kinds.end(),
                                   [](const auto& a, const auto& b) { return a.second.size() < b.second.size(); });
  const NodeFacts* reference = majority->second.front();
  for (const auto& [signature, members] : kinds) {
    if (signature == majority->first) continue;
    for (const NodeFacts* facts : members) {
      out.problems.push_back(Problem(facts->node, Outcome::kFail,
                                     fmt::format("differs from the rest of the cluster: found {}; {} of {} nodes "
                                                 "have {}", facts->Describe(), majority->second.size(),
                                                 nodes.size(), reference->Describe())));
    }
  }
  return reference;
}

nlohmann::json Detected(const std::vector<NodeFacts>& nodes) {
  std::map<std::string, std::vector<std::string>> by_kind;
  for (const NodeFacts& facts : nodes) by_kind[facts.Describe()].push_back(facts.node);
  nlohmann::json detected = nlohmann::json::array();
  for (const auto& [found, members] : by_kind) detected.push_back({{"found", found}, {"nodes", members}});
  return detected;
}

}  // namespace

std::string BaselineChoice::Identity() const {
  std::string base = automatic || catalog.empty() ? std::string("auto") : catalog.front().sha256;
  return requested_shape.empty() ? base : base + ":" + requested_shape;
}

const NodeShape* FittingShape(const Baseline& baseline, const NodeFacts& facts) {
  if (!facts.gpus) return nullptr;
  std::vector<int> links = facts.nvlinks;
  links.resize(static_cast<std::size_t>(*facts.gpus), 0);  // a GPU without NVLink reports none
  const NodeShape* best = nullptr;  // of the shapes that fit, the one that expects the most InfiniBand ports
  for (const NodeShape& shape : baseline.shapes) {
    bool links_fit = std::all_of(links.begin(), links.end(), [&](int n) { return n == shape.nvlinks_per_gpu; });
    bool fits = shape.gpus == *facts.gpus && links_fit && facts.ib_ports_active >= shape.ib_ports;
    if (fits && (!best || shape.ib_ports > best->ib_ports)) best = &shape;
  }
  return best;
}

BaselineSelection SelectBaseline(const BaselineChoice& choice, const std::vector<NodeFacts>& nodes) {
  BaselineSelection out;
  out.record = {{"mode", choice.automatic ? "auto" : "named"}, {"detected", Detected(nodes)}};
  const NodeFacts* reference = MajorityKind(nodes, out);
  std::string why;
  if (!choice.automatic) {
    out.baseline = &choice.catalog.front();
    why = fmt::format("named on the command line");
  } else if (!reference) {
    std::string node = nodes.empty() ? std::string("?") : nodes.front().node;
    out.problems.push_back(Problem(node, Outcome::kError,
                                   "--baseline auto: the health probe reported on no node, so nothing tells which "
                                   "baseline applies; add the health step or name a baseline"));
  } else if (!reference->gpus && reference->gpus_on_pci > 0) {
    out.problems.push_back(Problem(reference->node, Outcome::kFail,
                                   fmt::format("--baseline auto: {}; a GPU node whose driver does not answer cannot "
                                               "be accepted", reference->Describe())));
  } else {
    std::string model = reference->GpuCount() > 0 ? reference->gpu_models.front() : "none";
    out.baseline = BaselineForGpu(choice.catalog, model);
    if (!out.baseline) {
      std::vector<std::string> known;
      for (const Baseline& b : choice.catalog) known.push_back(fmt::format("{} ({})", b.sku, fmt::join(b.gpu_models, ", ")));
      out.problems.push_back(Problem(reference->node, Outcome::kError,
                                     fmt::format("--baseline auto: no baseline is for GPU '{}' (found {}); known: {}; "
                                                 "name one with --baseline FILE", model, reference->Describe(),
                                                 fmt::join(known, "; "))));
    } else {
      why = model == "none" ? "no GPU found" : fmt::format("GPU '{}' found", model);
    }
  }
  if (out.baseline) {
    const Baseline& baseline = *out.baseline;
    std::string shape_why;
    if (!choice.requested_shape.empty()) {
      out.shape = FindShape(baseline, choice.requested_shape);
      shape_why = "named with --shape";
    } else if (choice.automatic || baseline.default_shape.empty()) {
      out.shape = reference ? FittingShape(baseline, *reference) : nullptr;
      shape_why = "fits what was found";
      if (!out.shape && !baseline.shapes.empty()) {
        out.problems.push_back(Problem(reference ? reference->node : std::string("?"), Outcome::kFail,
                                       fmt::format("no node shape of {} fits: found {}; shapes: {}", baseline.sku,
                                                   reference ? reference->Describe() : "nothing", ShapeList(baseline))));
      }
    } else {
      out.shape = FindShape(baseline, baseline.default_shape);
      shape_why = "the baseline's default";
    }
    out.record["sku"] = baseline.sku;
    out.record["why"] = why;
    if (out.shape) {
      out.record["shape"] = {{"name", out.shape->name}, {"description", out.shape->description},
                             {"expects", Describe(*out.shape)}, {"why", shape_why}};
    }
  }
  return out;
}

}  // namespace kiln

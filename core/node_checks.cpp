#include "core/node_checks.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "core/coverage.hpp"

namespace kiln {
namespace {

std::string Plural(int n, const char* word) { return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s"); }

}  // namespace

Verdict JudgeShape(const NodeShape& shape, const NodeFacts& facts) {
  Verdict v;
  v.probe = "shape";
  v.metric = "node.shape";
  v.series = "node.shape";
  v.subject = Subject::Node(facts.node);
  v.rule = fmt::format("node shape {}: {}", shape.name, Describe(shape));
  v.source = shape.source;
  std::vector<std::string> differences;
  if (!facts.inventoried) {
    differences.push_back("no inventory (the health probe did not report on this node)");
  } else {
    if (facts.GpuCount() != shape.gpus || !facts.gpus) {
      differences.push_back(facts.gpus ? fmt::format("{} instead of {}", Plural(*facts.gpus, "GPU"), shape.gpus)
                                       : "no GPU information");
    }
    std::vector<int> links = facts.nvlinks;
    links.resize(static_cast<std::size_t>(facts.GpuCount()), 0);  // a GPU without NVLink reports none
    for (std::size_t i = 0; i < links.size(); ++i) {
      if (links[i] != shape.nvlinks_per_gpu) {
        differences.push_back(fmt::format("gpu{}: {} NVLinks active instead of {}", i, links[i], shape.nvlinks_per_gpu));
      }
    }
    if (facts.ib_ports_active < shape.ib_ports) {  // a storage rail beyond the compute rails is no fault
      differences.push_back(fmt::format("{} active InfiniBand ports instead of {}", facts.ib_ports_active, shape.ib_ports));
    }
  }
  v.value = facts.GpuCount();
  v.threshold = shape.gpus;
  if (differences.empty()) {
    v.outcome = Outcome::kPass;
    v.reason = fmt::format("{} as declared: {}", shape.description, facts.Describe());
  } else {
    v.outcome = Outcome::kFail;
    if (differences.size() > 4) {
      std::size_t more = differences.size() - 3;
      differences.resize(3);
      differences.push_back(fmt::format("{} more", more));
    }
    v.reason = fmt::format("shape mismatch: declared {} ({}: {}), found {} ({})", shape.name, shape.description,
                           Describe(shape), facts.Describe(), fmt::join(differences, "; "));
  }
  return v;
}

std::string GpuModelRuleId(const Baseline& baseline) { return baseline.path + ":gpu"; }

std::string GpuModelRule(const Baseline& baseline) {
  return fmt::format("GPU model {} (baseline {})", fmt::join(baseline.gpu_models, " or "), baseline.sku);
}

Verdict JudgeGpuModel(const Baseline& baseline, const NodeFacts& facts) {
  Verdict v = NotJudgedVerdict("baseline", "node.gpu_model", "node.gpu_model", Subject::Node(facts.node),
                               GpuModelRule(baseline), baseline.path, GpuModelRuleId(baseline), "");
  bool for_hosts = std::find(baseline.gpu_models.begin(), baseline.gpu_models.end(), "none") !=
                   baseline.gpu_models.end();
  std::vector<std::string> wrong;
  for (const std::string& model : facts.gpu_models) {
    bool known = std::any_of(baseline.gpu_models.begin(), baseline.gpu_models.end(),
                             [&](const std::string& glob) { return glob != "none" && GlobMatches(glob, model); });
    if (!known && std::find(wrong.begin(), wrong.end(), model) == wrong.end()) wrong.push_back(model);
  }
  std::string problem;
  if (!facts.gpus && facts.gpus_on_pci > 0) {
    problem = fmt::format("{} NVIDIA GPU(s) on the PCI bus but no driver answers ({})", facts.gpus_on_pci,
                          facts.no_gpu_reason);
  } else if (!wrong.empty()) {
    problem = fmt::format("found {}", fmt::join(wrong, ", "));
  } else if (facts.GpuCount() == 0 && !for_hosts) {
    problem = fmt::format("found no GPU ({})", facts.Describe());
  }
  v.outcome = problem.empty() ? Outcome::kPass : Outcome::kFail;
  v.reason = problem.empty()
                 ? fmt::format("{} is what baseline {} is for", facts.Describe(), baseline.sku)
                 : fmt::format("GPU model mismatch: baseline {} is for {}; {} on {}", baseline.sku,
                               fmt::join(baseline.gpu_models, " or "), problem, facts.node);
  return v;
}

}  // namespace kiln

#include "history/failure_category.hpp"

namespace kiln {
namespace {

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

std::string FailureCategory(const Verdict& v, const ProbeCatalog& catalog) {
  const std::string& metric = v.metric;
  if (v.outcome == Outcome::kError && metric.empty()) return "software";
  // Not probes: the run itself and its launch.
  if (v.probe == "run" || v.probe == "launch") return "software";
  const ProbeInfo* probe = FindProbe(catalog, v.probe);
  if (probe && probe->traits.failure_category == "software") return "software";
  if (Contains(metric, "wrong") || Contains(metric, "mismatch") || Contains(metric, "corrupt")) {
    return "silent data corruption";
  }
  if (probe == nullptr) return "host";
  for (const ProbeTraits::MetricCategory& by_metric : probe->traits.metric_categories) {
    if (Contains(metric, by_metric.part)) return by_metric.category;
  }
  return probe->traits.failure_category.empty() ? "host" : probe->traits.failure_category;
}

}  // namespace kiln

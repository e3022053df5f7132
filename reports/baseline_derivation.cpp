#include "reports/baseline_derivation.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <pugixml.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "core/errors.hpp"
#include "core/statistics.hpp"

namespace kiln {
namespace {

// Series no baseline judges (docs/baselines.md): reported for people, never held to a floor. A floor on the
// burn's telemetry or on contention would fail healthy nodes for their weather, not their speed.
constexpr std::string_view kNeverFloored[] = {
    "gpu.stress.burst_tflops",     // the first 0.1 s, before the power limit holds: reported, never judged
    "gpu.stress.tflops_timeline",  // every sample of the burn in order; the sustained median is judged
    "gpu.stress.power", "gpu.stress.temperature", "gpu.stress.sm_clock", "gpu.stress.throttle",  // telemetry
    "host.cpu.on_cpu", "host.cpu.steal", "host.cpu.throttled",  // contention: what marks a value unreliable
    "diag.",  // test probes
};

// Counters, link widths, telemetry and contention describe a node; they are not performance to hold a floor to.
bool Floorable(const MetricSpec& spec) {
  if (spec.correctness || spec.unit == "count" || spec.unit == "lanes") return false;
  return std::none_of(std::begin(kNeverFloored), std::end(kNeverFloored),
                      [&](std::string_view prefix) { return spec.name.starts_with(prefix); });
}

// The SKU's health gates: kept as rules of their own whatever the healthy values were (a derived floor on a
// counter that read 0 would say nothing of why).
struct Gate {
  const char* metric;
  const char* rule;
  const char* source;
};
constexpr Gate kGates[] = {
    {"health.gpu_ecc_uncorrected", "count_limit",
     "DCGM diag and Azure HPC health checks: an uncorrectable ECC error fails the GPU (kept by kiln baseline derive)"},
    {"health.gpu_remap_pending", "equal",
     "Azure HPC health checks: fail on row remap pending (kept by kiln baseline derive)"},
    {"health.gpu_remap_failed", "equal",
     "Azure HPC health checks: fail on row remap failure (kept by kiln baseline derive)"},
    {"health.gpu_xid_fatal", "count_limit",
     "Azure HPC health checks: a fatal XID fails a node (kept by kiln baseline derive)"},
    {"gpu.stress.throttle_faults", "count_limit",
     "Azure HPC health checks: fail on any throttle reason other than idle, none or software power cap (kept by kiln "
     "baseline derive)"},
};

struct Series {
  std::string metric;
  std::map<std::string, std::string> labels;
  std::string unit;
  bool higher_is_better = true;
  std::vector<double> values;  // one per subject and report
  std::set<std::string> subjects;
};

std::string LabelsText(const std::map<std::string, std::string>& labels) {
  std::vector<std::string> parts;
  for (const auto& [name, value] : labels) parts.push_back(name + "=" + value);
  return fmt::format("{}", fmt::join(parts, ","));
}

bool LabelsWritable(const std::map<std::string, std::string>& labels) {
  return std::all_of(labels.begin(), labels.end(), [](const auto& label) {
    return label.first.find_first_of(",=") == std::string::npos && label.second.find_first_of(",=") == std::string::npos;
  });
}

// `value` to 6 significant digits, rounded away from the healthy side: a floor down, a ceiling up, so that the
// number written never excludes an input it was derived to admit.
double RoundOutward(double value, bool floor) {
  if (value == 0 || !std::isfinite(value)) return value;
  double scale = std::pow(10.0, 5 - std::floor(std::log10(std::fabs(value))));
  return (floor ? std::floor(value * scale) : std::ceil(value * scale)) / scale;
}

bool Passed(const DerivationReport& input) {
  if (input.outcome == RunOutcome::kPass) return true;
  // A pass of less than an acceptance (a quick sweep) exits 0 too: its nodes passed what they ran.
  return input.exit_code == 0 && input.outcome != RunOutcome::kFail && input.outcome != RunOutcome::kError &&
         input.outcome != RunOutcome::kSkipped;
}

// "vm (a.json), vm2 (b.json) and 3 more"
std::string Few(const std::vector<std::string>& names) {
  constexpr std::size_t kShown = 4;
  std::vector<std::string> shown(names.begin(), names.begin() + std::min(names.size(), kShown));
  std::string text = fmt::format("{}", fmt::join(shown, ", "));
  if (names.size() > kShown) text += fmt::format(" and {} more", names.size() - kShown);
  return text;
}

// Every node of every report, which must be of one kind: the same GPUs, NVLinks and InfiniBand ports. Returns one
// of them; throws InputError naming each kind found and its nodes.
const NodeFacts& OneKindOfNode(const std::vector<DerivationReport>& inputs) {
  std::map<std::string, std::pair<std::string, std::vector<std::string>>> kinds;  // signature -> description, nodes
  const NodeFacts* reference = nullptr;
  for (const DerivationReport& input : inputs) {
    for (const NodeFacts& facts : input.nodes) {
      if (!facts.inventoried) {
        throw InputError(input.path, 0, fmt::format("node '{}' has no inventory (the health probe did not report on "
                                                    "it): derive needs it to know which GPU and node shape the "
                                                    "baseline is for", facts.node));
      }
      if (!facts.gpus && facts.gpus_on_pci > 0) {
        throw InputError(input.path, 0, fmt::format("node '{}': {}: not a healthy node to derive from", facts.node,
                                                    facts.Describe()));
      }
      auto& kind = kinds[facts.Signature()];
      kind.first = facts.Describe();
      kind.second.push_back(fmt::format("{} ({})", facts.node, input.path));
      if (!reference) reference = &facts;
    }
  }
  if (!reference) throw InputError(fmt::format("kiln baseline derive: {} lists no node", inputs.front().path));
  if (kinds.size() > 1) {
    std::vector<std::string> parts;
    for (const auto& [signature, kind] : kinds) parts.push_back(fmt::format("{}: {}", kind.first, Few(kind.second)));
    throw InputError(fmt::format("kiln baseline derive: the reports are of {} kinds of node, and a baseline is for "
                                 "one GPU model and node shape: {}", kinds.size(), fmt::join(parts, "; ")));
  }
  if (!reference->nvlinks.empty()) {
    auto [low, high] = std::minmax_element(reference->nvlinks.begin(), reference->nvlinks.end());
    if (*low != *high || static_cast<int>(reference->nvlinks.size()) != reference->GpuCount()) {
      throw InputError(fmt::format("kiln baseline derive: the GPUs of node '{}' do not have the same active NVLinks "
                                   "({}): a degraded node is no reference", reference->node, reference->Describe()));
    }
  }
  return *reference;
}

// What the reports hold, gathered: the series to floor, the gates measured, the PCIe widths found.
struct Gathered {
  std::map<std::string, Series> series;
  std::set<std::string> nodes, dates, hashes, drivers, gates;
  std::map<double, std::vector<std::string>> pcie_widths;  // width -> "subject (report)"
};

Gathered Gather(const std::vector<DerivationReport>& inputs, const std::vector<MetricSpec>& metrics,
                const DerivationOptions& options) {
  std::map<std::string, const MetricSpec*> specs;
  for (const MetricSpec& spec : metrics) specs[spec.name] = &spec;
  Gathered g;
  for (const DerivationReport& input : inputs) {
    if (!Passed(input) && !options.allow_failed) {
      throw InputError(input.path, 0,
                       fmt::format("this report did not pass (outcome '{}'): a baseline is derived from healthy "
                                   "nodes only (--allow-failed to use it anyway)", ToString(input.outcome)));
    }
    g.dates.insert(input.finished);
    g.hashes.insert(input.sha256.substr(0, 12));
    g.drivers.insert(input.drivers.begin(), input.drivers.end());
    std::set<std::string> listed;
    for (const NodeFacts& facts : input.nodes) listed.insert(facts.node);
    for (const DerivationValue& v : input.values) {
      for (const std::string& node : v.nodes) {
        if (!listed.count(node)) {
          throw InputError(input.path, 0, fmt::format("a measurement of {} names node '{}', which the report's "
                                                      "cluster does not list", v.metric, node));
        }
        g.nodes.insert(node);
      }
      if (v.metric == "health.gpu_pcie_width") {
        g.pcie_widths[v.value].push_back(fmt::format("{} ({})", v.subject, input.path));
      }
      for (const Gate& gate : kGates) {
        if (v.metric == gate.metric) g.gates.insert(gate.metric);
      }
      auto spec = specs.find(v.metric);
      if (spec == specs.end() || !Floorable(*spec->second) || !LabelsWritable(v.labels)) continue;
      Series& s = g.series[SeriesKey(v.metric, v.labels)];
      s.metric = v.metric;
      s.labels = v.labels;
      s.unit = v.unit;
      s.higher_is_better = v.higher_is_better;
      s.values.push_back(v.value);
      s.subjects.insert(v.subject);
    }
  }
  if (static_cast<int>(g.nodes.size()) < options.min_nodes) {
    throw InputError(fmt::format("kiln baseline derive: the reports cover {} node(s) ({}); a median and a spread need "
                                 "at least {} (--min-nodes to lower it)", g.nodes.size(), fmt::join(g.nodes, ", "),
                                 options.min_nodes));
  }
  if (g.series.empty()) throw InputError("kiln baseline derive: the reports hold no performance measurement to derive from");
  if (g.pcie_widths.size() > 1) {
    std::vector<std::string> parts;
    for (const auto& [width, where] : g.pcie_widths) parts.push_back(fmt::format("x{:g} on {}", width, Few(where)));
    throw InputError(fmt::format("kiln baseline derive: the healthy inputs report different PCIe link widths ({}): a "
                                 "narrower link is a mis-seated or damaged slot, not a reference", fmt::join(parts, "; ")));
  }
  return g;
}

void WriteShape(pugi::xml_node root, const NodeFacts& reference) {
  pugi::xml_node shape = root.append_child("shape");
  shape.append_attribute("name") = "found";
  shape.append_attribute("default") = "true";
  shape.append_attribute("description") = "the node shape of every derived node";
  shape.append_attribute("gpus") = reference.GpuCount();
  shape.append_attribute("nvlinks_per_gpu") = reference.nvlinks.empty() ? 0 : reference.nvlinks.front();
  shape.append_attribute("ib_ports") = reference.ib_ports_active;
  shape.append_attribute("source") =
      fmt::format("what the health probe found on every derived node: {}", reference.Describe()).c_str();
}

void WriteGates(pugi::xml_node root, const Gathered& g, const std::string& provenance) {
  root.append_child(pugi::node_comment).set_value(
      " Health gates of the SKU, kept as they are. Correctness counters (wrong elements, bytes, results) are Kiln's "
      "own check: any wrong value fails, whatever a baseline says. ");
  for (const Gate& gate : kGates) {
    if (!g.gates.count(gate.metric)) continue;
    pugi::xml_node e = root.append_child("expect");
    e.append_attribute("metric") = gate.metric;
    e.append_attribute("rule") = gate.rule;
    e.append_attribute("value") = "0";
    e.append_attribute("basis") = "tool";
    e.append_attribute("source") = gate.source;
  }
  if (g.pcie_widths.empty()) return;
  pugi::xml_node e = root.append_child("expect");
  e.append_attribute("metric") = "health.gpu_pcie_width";
  e.append_attribute("rule") = "equal";
  e.append_attribute("value") = fmt::format("{:g}", g.pcie_widths.begin()->first).c_str();
  e.append_attribute("basis") = "derived";
  e.append_attribute("measured_on") = provenance.c_str();
  e.append_attribute("source") = "kiln baseline derive: the PCIe link width of every healthy GPU; a narrower link is "
                                 "a mis-seated or damaged slot";
}

void WriteFloor(pugi::xml_node root, const Series& s, const std::string& provenance, const DerivationOptions& options) {
  double median = Median(s.values);
  double deviation = RobustDeviation(std::span<const double>(s.values.data(), s.values.size()));
  double margin = std::max(options.k * deviation, options.min_drop * std::fabs(median));
  auto [low, high] = std::minmax_element(s.values.begin(), s.values.end());
  double bound = s.higher_is_better ? std::min(median - margin, *low) : std::max(median + margin, *high);
  bool widened = s.higher_is_better ? median - margin > *low : median + margin < *high;
  // A few noisy inputs give a deviation as large as the median, and a floor at 0 passes a node at half the
  // speed of every healthy one. The bound never sits further than 2 x min_drop beyond the worst healthy input.
  double limit = s.higher_is_better ? *low * (1 - 2 * options.min_drop) : *high * (1 + 2 * options.min_drop);
  bool capped = s.higher_is_better ? bound < limit : bound > limit;
  if (capped) bound = limit;
  if (s.higher_is_better && bound < 0) bound = 0;
  bound = RoundOutward(bound, s.higher_is_better);
  pugi::xml_node e = root.append_child("expect");
  e.append_attribute("metric") = s.metric.c_str();
  if (!s.labels.empty()) e.append_attribute("labels") = LabelsText(s.labels).c_str();
  e.append_attribute("rule") = s.higher_is_better ? "min" : "max";
  e.append_attribute("value") = fmt::format("{:.6g}", bound).c_str();
  e.append_attribute("basis") = "derived";
  e.append_attribute("measured_on") = fmt::format("sustained; {}", provenance).c_str();
  e.append_attribute("source") =
      fmt::format("kiln baseline derive: median {:.6g} {} over {} value(s) of {} subject(s), robust deviation {:.3g}; "
                  "{} = median {} max({:g} x deviation, {:g}% of median){}", median, s.unit, s.values.size(),
                  s.subjects.size(), deviation, s.higher_is_better ? "floor" : "ceiling",
                  s.higher_is_better ? "-" : "+", options.k, 100 * options.min_drop,
                  capped ? fmt::format(", held to {:g}% beyond the worst healthy input (the spread of so few inputs "
                                       "would put it further)", 200 * options.min_drop)
                  : widened ? std::string(", widened to the worst healthy input") : std::string()).c_str();
}

}  // namespace

std::string DeriveBaseline(const std::vector<DerivationReport>& inputs, const std::vector<MetricSpec>& metrics,
                           const DerivationOptions& options) {
  if (inputs.empty()) throw InputError("kiln baseline derive needs at least one report");
  const NodeFacts& reference = OneKindOfNode(inputs);
  Gathered g = Gather(inputs, metrics, options);
  std::set<std::string> gpu_models(reference.gpu_models.begin(), reference.gpu_models.end());

  std::string provenance = fmt::format("{} report(s) {} of {} node(s), {}; GPUs: {}; driver {}", inputs.size(),
                                       fmt::join(g.hashes, ","), g.nodes.size(), fmt::join(g.dates, ", "),
                                       gpu_models.empty() ? "none" : fmt::format("{}", fmt::join(gpu_models, ", ")),
                                       g.drivers.empty() ? "-" : fmt::format("{}", fmt::join(g.drivers, ", ")));
  pugi::xml_document doc;
  doc.append_child(pugi::node_declaration).append_attribute("version") = "1.0";
  doc.append_child(pugi::node_comment).set_value(
      fmt::format(" Derived by kiln baseline derive from {} ", provenance).c_str());
  pugi::xml_node root = doc.append_child("baseline");
  root.append_attribute("sku") = options.sku.c_str();
  root.append_attribute("version") = "2";
  root.append_child("description").text() =
      fmt::format("Derived from healthy nodes ({}): median as reference, floor {:g} robust deviations and at least "
                  "{:g}% away; {}", reference.Describe(), options.k, 100 * options.min_drop, provenance).c_str();
  if (gpu_models.empty()) {
    root.append_child("gpu").append_attribute("model") = "none";
  } else {
    for (const std::string& model : gpu_models) root.append_child("gpu").append_attribute("model") = model.c_str();
    WriteShape(root, reference);
  }
  WriteGates(root, g, provenance);
  for (const auto& [key, s] : g.series) WriteFloor(root, s, provenance, options);
  std::ostringstream text;
  doc.save(text, "  ");
  return text.str();
}

std::string DeriveBaseline(const std::vector<DerivationInput>& inputs, const std::vector<MetricSpec>& metrics,
                           const DerivationOptions& options) {
  std::vector<DerivationReport> reports;
  reports.reserve(inputs.size());
  for (const DerivationInput& input : inputs) {
    reports.push_back(SummariseForDerivation(input.report, input.path, input.sha256));
  }
  return DeriveBaseline(reports, metrics, options);
}

}  // namespace kiln

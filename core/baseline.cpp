#include "core/baseline.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <fnmatch.h>

#include <charconv>
#include <cmath>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/xml_file.hpp"

namespace kiln {
namespace {

struct RuleName {
  std::string_view name;
  RuleKind kind;
};
constexpr RuleName kRuleNames[] = {
    {"min", RuleKind::kMin},       {"max", RuleKind::kMax},     {"fraction", RuleKind::kFraction},
    {"max_cv", RuleKind::kMaxCv},  {"fleet", RuleKind::kFleet}, {"equal", RuleKind::kEqual},
    {"count_limit", RuleKind::kCountLimit},
};

double NumberAttribute(const XmlFile& file, pugi::xml_node node, const char* name,
                       std::optional<double> fallback) {
  pugi::xml_attribute attribute = node.attribute(name);
  if (!attribute) {
    if (fallback) return *fallback;
    file.Fail(node, fmt::format("rule '{}' needs attribute '{}'", node.attribute("rule").value(), name));
  }
  std::string_view text = attribute.value();
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    file.Fail(node, fmt::format("attribute '{}' = '{}' is not a number", name, text));
  }
  return value;
}

std::map<std::string, std::string> ParseLabels(const XmlFile& file, pugi::xml_node node) {
  std::map<std::string, std::string> labels;
  std::string_view text = node.attribute("labels").value();
  while (!text.empty()) {
    std::size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    std::size_t equals = item.find('=');
    if (equals == std::string_view::npos || equals == 0) {
      file.Fail(node, fmt::format("labels must read name=value[,name=value]: '{}'", item));
    }
    labels.emplace(std::string(item.substr(0, equals)), std::string(item.substr(equals + 1)));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
  }
  return labels;
}


struct BasisName {
  std::string_view name;
  Basis basis;
};
constexpr BasisName kBasisNames[] = {
    {"unstated", Basis::kUnstated}, {"datasheet", Basis::kDatasheet}, {"tool", Basis::kToolGate},
    {"measured", Basis::kMeasured}, {"derived", Basis::kDerived},     {"estimate", Basis::kEstimate},
    {"policy", Basis::kPolicy},
};

// A whole number written as digits alone: "3.9", "3e0", " 3" or "3x" is refused, never read as 3.
int IntAttribute(const XmlFile& file, pugi::xml_node node, const char* name, int fallback, int min_value) {
  pugi::xml_attribute attribute = node.attribute(name);
  if (!attribute) return fallback;
  std::string_view text = attribute.value();
  long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  bool digits_only = !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
  if (!digits_only || ec != std::errc() || end != text.data() + text.size() || value < min_value || value > 1000000) {
    file.Fail(node, fmt::format("attribute '{}' = '{}' must be a whole number (digits only) from {} to 1000000", name,
                                text, min_value));
  }
  return static_cast<int>(value);
}

// A required text attribute that must say something: blank or whitespace-only is refused.
std::string TextAttribute(const XmlFile& file, pugi::xml_node node, const char* name, std::string_view what) {
  std::string text = file.Required(node, name);
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    file.Fail(node, fmt::format("attribute '{}' is blank: it must say {}", name, what));
  }
  return text;
}

std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> items;
  while (!text.empty()) {
    std::size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    if (!item.empty()) items.emplace_back(item);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
  }
  return items;
}

Applicability ParseApplicability(const XmlFile& file, pugi::xml_node node) {
  Applicability a;
  a.shapes = SplitList(node.attribute("shapes").value());
  a.min_gpus = IntAttribute(file, node, "min_gpus", 0, 0);
  a.max_gpus = IntAttribute(file, node, "max_gpus", -1, 0);
  a.min_nodes = IntAttribute(file, node, "min_nodes", 0, 0);
  a.gpu_model = node.attribute("gpu_model").value();
  if (a.max_gpus >= 0 && a.max_gpus < a.min_gpus) file.Fail(node, "max_gpus is below min_gpus: the rule could never apply");
  return a;
}

bool BoolAttribute(const XmlFile& file, pugi::xml_node node, const char* name) {
  std::string_view text = node.attribute(name).as_string("false");
  if (text != "true" && text != "false") {
    file.Fail(node, fmt::format("attribute '{}' must be 'true' or 'false', not '{}'", name, text));
  }
  return text == "true";
}

// A failing floor must be met by a healthy GPU under sustained load: not a peak, not a burst.
void CheckFloorBasis(const XmlFile& file, pugi::xml_node node, const Expectation& e) {
  bool floor = (e.rule == RuleKind::kMin || e.rule == RuleKind::kFraction) && e.severity == Outcome::kFail;
  if (e.basis == Basis::kMeasured || e.basis == Basis::kDerived) {
    if (e.measured_on.find_first_not_of(" \t\r\n") == std::string::npos) {
      file.Fail(node, "basis 'measured' or 'derived' needs measured_on: device, driver, power limit, date, "
                      "sustained or burst");
    }
    if (floor && e.measured_on.find("burst") != std::string::npos) {
      file.Fail(node, "a failing floor from a burst measurement: a healthy GPU cannot hold it under sustained "
                      "load; use a sustained measurement or severity='warn'");
    }
  }
  if (floor && e.basis == Basis::kDatasheet && e.rule == RuleKind::kFraction) {
    file.Fail(node, "a failing floor as a share of a datasheet peak: no GPU sustains its peak; base it on a "
                    "sustained measurement (basis='measured') or a tool's gate (basis='tool')");
  }
}

NodeShape ParseShape(const XmlFile& file, pugi::xml_node node) {
  file.RequireAttributes(node, {"name", "description", "gpus", "nvlinks_per_gpu", "ib_ports", "default", "source"});
  NodeShape shape;
  shape.name = file.Required(node, "name");
  shape.description = TextAttribute(file, node, "description", "what the shape is");
  shape.gpus = IntAttribute(file, node, "gpus", 0, 0);
  shape.nvlinks_per_gpu = IntAttribute(file, node, "nvlinks_per_gpu", 0, 0);
  shape.ib_ports = IntAttribute(file, node, "ib_ports", 0, 0);
  shape.source = TextAttribute(file, node, "source", "where the shape comes from");
  shape.where = file.Where(node);
  return shape;
}
}  // namespace

std::string_view ToString(RuleKind kind) {
  for (const auto& rule : kRuleNames) {
    if (rule.kind == kind) return rule.name;
  }
  return "?";
}

bool GlobMatches(const std::string& pattern, const std::string& text) {
  return ::fnmatch(pattern.c_str(), text.c_str(), 0) == 0;
}

std::string_view ToString(Basis basis) {
  for (const auto& b : kBasisNames) {
    if (b.basis == basis) return b.name;
  }
  return "?";
}

std::string Describe(const Expectation& e) {
  switch (e.rule) {
    case RuleKind::kMin: return fmt::format("min {:g} {}", e.threshold, e.unit);
    case RuleKind::kMax: return fmt::format("max {:g} {}", e.threshold, e.unit);
    case RuleKind::kFraction:
      return fmt::format("{:g} x reference {:g} {}", e.fraction, e.reference, e.unit);
    case RuleKind::kMaxCv: return fmt::format("cv <= {:g}", e.threshold);
    case RuleKind::kFleet:
      return fmt::format("fleet: within {:g} robust deviations and {:g}% of the median", e.k,
                         e.min_drop * 100);
    case RuleKind::kEqual: return fmt::format("equal {:g}", e.threshold);
    case RuleKind::kCountLimit: return fmt::format("count <= {:g}", e.threshold);
  }
  return "?";
}

std::string Describe(const Applicability& a) {
  std::vector<std::string> parts;
  if (!a.shapes.empty()) parts.push_back(fmt::format("node shape {}", fmt::join(a.shapes, " or ")));
  if (a.min_gpus > 0) parts.push_back(fmt::format(">= {} GPUs", a.min_gpus));
  if (a.max_gpus >= 0) parts.push_back(fmt::format("<= {} GPUs", a.max_gpus));
  if (a.min_nodes > 0) parts.push_back(fmt::format(">= {} nodes", a.min_nodes));
  if (!a.gpu_model.empty()) parts.push_back(fmt::format("GPU '{}'", a.gpu_model));
  return fmt::format("{}", fmt::join(parts, ", "));
}

std::string Describe(const NodeShape& shape) {
  std::string text = fmt::format("{} GPU{}", shape.gpus, shape.gpus == 1 ? "" : "s");
  text += shape.nvlinks_per_gpu > 0 ? fmt::format(", {} NVLinks each", shape.nvlinks_per_gpu) : ", no NVLink";
  text += shape.ib_ports > 0 ? fmt::format(", {} InfiniBand port{}", shape.ib_ports, shape.ib_ports == 1 ? "" : "s")
                             : ", no InfiniBand";
  return text;
}

const NodeShape* FindShape(const Baseline& baseline, const std::string& name) {
  for (const NodeShape& shape : baseline.shapes) {
    if (shape.name == name) return &shape;
  }
  return nullptr;
}

namespace {

// The rule's kind and severity (fail unless "warn").
void ParseRuleKind(const XmlFile& file, pugi::xml_node node, Expectation& e) {
  std::string rule = file.Required(node, "rule");
  bool found = false;
  for (const auto& r : kRuleNames) {
    if (r.name == rule) {
      e.rule = r.kind;
      found = true;
    }
  }
  if (!found) file.Fail(node, fmt::format("unknown rule '{}'", rule));

  std::string severity = node.attribute("severity").as_string("fail");
  if (severity == "warn") {
    e.severity = Outcome::kWarn;
  } else if (severity != "fail") {
    file.Fail(node, fmt::format("severity must be 'fail' or 'warn', not '{}'", severity));
  }
}

// The numbers the rule's kind needs: reference and fraction, the fleet's k, min_drop and min_fleet, or one value.
void ParseRuleNumbers(const XmlFile& file, pugi::xml_node node, Expectation& e) {
  switch (e.rule) {
    case RuleKind::kFraction:
      e.reference = NumberAttribute(file, node, "reference", std::nullopt);
      e.fraction = NumberAttribute(file, node, "fraction", std::nullopt);
      if (e.reference <= 0 || e.fraction <= 0 || e.fraction > 10) {
        file.Fail(node, "reference must be > 0 and fraction in (0, 10]");
      }
      break;
    case RuleKind::kFleet:
      e.k = NumberAttribute(file, node, "k", 3.0);
      e.min_drop = NumberAttribute(file, node, "min_drop", 0.05);
      e.min_fleet = IntAttribute(file, node, "min_fleet", 3, 3);
      if (e.k <= 0 || e.min_drop < 0 || e.min_drop >= 1) {
        file.Fail(node, "fleet rule needs k > 0 and 0 <= min_drop < 1");
      }
      break;
    default:
      e.threshold = NumberAttribute(file, node, "value", std::nullopt);
      if (e.rule != RuleKind::kEqual && e.threshold < 0) {
        file.Fail(node, fmt::format("value {:g} must not be negative", e.threshold));
      }
      break;
  }
}

// Version 2's attributes (basis, measured_on, where the rule applies, optional); a version 1 file has none of them.
void ParseVersion2(const XmlFile& file, pugi::xml_node node, int version, Expectation& e) {
  if (version < 2) {
    for (const char* v2 : {"basis", "measured_on", "shapes", "min_gpus", "max_gpus", "min_nodes", "gpu_model", "optional"}) {
      if (node.attribute(v2)) file.Fail(node, fmt::format("attribute '{}' needs version=\"2\"", v2));
    }
    return;
  }
  std::string basis = file.Required(node, "basis");
  bool found = false;
  for (const auto& b : kBasisNames) {
    if (b.name == basis && b.basis != Basis::kUnstated) {
      e.basis = b.basis;
      found = true;
    }
  }
  if (!found) {
    file.Fail(node, fmt::format("basis '{}' is not one of datasheet, tool, measured, derived, estimate, policy",
                                basis));
  }
  e.measured_on = node.attribute("measured_on").value();
  e.applies = ParseApplicability(file, node);
  e.optional = BoolAttribute(file, node, "optional");
  CheckFloorBasis(file, node, e);
}

// The pattern must name real metrics: a typo would otherwise silently check nothing. Sets the unit they share.
void MatchMetrics(const XmlFile& file, pugi::xml_node node, const std::vector<MetricSpec>& known, Expectation& e) {
  std::string unit;
  bool matched = false;
  for (const auto& metric : known) {
    if (!GlobMatches(e.metric_pattern, metric.name)) continue;
    if (metric.correctness) {
      file.Fail(node, fmt::format("'{}' is a correctness counter: Kiln fails any wrong result itself, once; "
                                  "remove this rule", metric.name));
    }
    if (matched && unit != metric.unit && node.attribute("unit")) {
      file.Fail(node, fmt::format("pattern '{}' matches metrics of different units", e.metric_pattern));
    }
    matched = true;
    unit = metric.unit;
  }
  if (!matched) file.Fail(node, fmt::format("unknown metric '{}': no probe measures it", e.metric_pattern));
  e.unit = node.attribute("unit").as_string(unit.c_str());
  if (node.attribute("unit") && e.unit != unit) {
    file.Fail(node, fmt::format("unit '{}' does not match metric '{}' measured in '{}'", e.unit,
                                e.metric_pattern, unit));
  }
}

Expectation ParseExpectation(const XmlFile& file, pugi::xml_node node, int version,
                             const std::vector<MetricSpec>& known) {
  file.RequireAttributes(node, {"metric", "labels", "rule", "value", "reference", "fraction", "k", "min_drop",
                                "min_fleet", "unit", "severity", "source", "basis", "measured_on", "shapes",
                                "min_gpus", "max_gpus", "min_nodes", "gpu_model", "optional"});
  Expectation e;
  e.where = file.Where(node);
  e.metric_pattern = file.Required(node, "metric");
  e.labels = ParseLabels(file, node);
  e.source = TextAttribute(file, node, "source", "where the number comes from");
  ParseRuleKind(file, node, e);
  ParseRuleNumbers(file, node, e);
  ParseVersion2(file, node, version, e);
  MatchMetrics(file, node, known, e);
  return e;
}

}  // namespace

Baseline LoadBaseline(const std::string& path, const std::vector<MetricSpec>& known) {
  XmlFile file = XmlFile::Load(path);
  pugi::xml_node root = file.root();
  std::string version = file.RequireRoot("baseline", {"1", "2"});
  file.RequireAttributes(root, {"sku", "version"});
  Baseline baseline;
  baseline.version = version == "2" ? 2 : 1;
  baseline.sku = TextAttribute(file, root, "sku", "which GPU SKU or site the baseline is for");
  baseline.path = path;
  baseline.sha256 = Sha256Hex(file.text());

  for (pugi::xml_node node : root.children()) {
    if (node.type() != pugi::node_element) continue;
    std::string_view name = node.name();
    if (name == "description") {
      baseline.description = node.text().as_string();
    } else if (name == "expect") {
      baseline.expectations.push_back(ParseExpectation(file, node, baseline.version, known));
    } else if (baseline.version >= 2 && name == "gpu") {
      file.RequireAttributes(node, {"model"});
      baseline.gpu_models.push_back(TextAttribute(file, node, "model", "which GPU names the baseline is for"));
    } else if (baseline.version >= 2 && name == "shape") {
      NodeShape shape = ParseShape(file, node);
      if (FindShape(baseline, shape.name)) file.Fail(node, fmt::format("shape '{}' is declared twice", shape.name));
      if (BoolAttribute(file, node, "default")) {
        if (!baseline.default_shape.empty()) file.Fail(node, "only one shape can be the default");
        baseline.default_shape = shape.name;
      }
      baseline.shapes.push_back(std::move(shape));
    } else {
      file.Fail(node, fmt::format("unknown element <{}> in <baseline> (version {})", name, baseline.version));
    }
  }
  // A baseline without a rule would accept any node on Kiln's correctness checks alone.
  if (baseline.expectations.empty()) {
    file.Fail(root, "the baseline has no <expect> rule: it would judge nothing and accept any node");
  }
  for (const Expectation& e : baseline.expectations) {
    for (const std::string& shape : e.applies.shapes) {
      if (!FindShape(baseline, shape)) {
        throw InputError(fmt::format("{}: rule applies to shape '{}', which this baseline does not declare",
                                     e.where, shape));
      }
    }
  }
  return baseline;
}

}  // namespace kiln

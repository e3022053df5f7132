#include "core/baseline.hpp"

#include <fmt/format.h>
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

Baseline LoadBaseline(const std::string& path, const std::vector<MetricSpec>& known) {
  XmlFile file = XmlFile::Load(path);
  pugi::xml_node root = file.root();
  if (std::string_view(root.name()) != "baseline") {
    file.Fail(root, fmt::format("root element is <{}>, expected <baseline>", root.name()));
  }
  file.RequireAttributes(root, {"sku", "version"});
  if (std::string_view(root.attribute("version").as_string("1")) != "1") {
    file.Fail(root, fmt::format("unsupported baseline version '{}' (this Kiln reads 1)",
                                root.attribute("version").value()));
  }
  Baseline baseline;
  baseline.sku = file.Required(root, "sku");
  baseline.path = path;
  baseline.sha256 = Sha256Hex(file.text());

  for (pugi::xml_node node : root.children()) {
    if (node.type() != pugi::node_element) continue;
    std::string_view name = node.name();
    if (name == "description") {
      baseline.description = node.text().as_string();
      continue;
    }
    if (name != "expect") file.Fail(node, fmt::format("unknown element <{}> in <baseline>", name));
    file.RequireAttributes(node, {"metric", "labels", "rule", "value", "reference", "fraction", "k",
                                  "min_drop", "min_fleet", "unit", "severity", "source"});
    Expectation e;
    e.where = file.Where(node);
    e.metric_pattern = file.Required(node, "metric");
    e.labels = ParseLabels(file, node);
    e.source = file.Required(node, "source");
    if (e.source.empty()) file.Fail(node, "attribute 'source' must say where the number comes from");

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
        e.min_fleet = static_cast<int>(NumberAttribute(file, node, "min_fleet", 3.0));
        if (e.k <= 0 || e.min_drop < 0 || e.min_drop >= 1 || e.min_fleet < 3) {
          file.Fail(node, "fleet rule needs k > 0, 0 <= min_drop < 1 and min_fleet >= 3");
        }
        break;
      default:
        e.threshold = NumberAttribute(file, node, "value", std::nullopt);
        if (e.rule != RuleKind::kEqual && e.threshold < 0) {
          file.Fail(node, fmt::format("value {:g} must not be negative", e.threshold));
        }
        break;
    }

    // The pattern must name real metrics: a typo would otherwise silently check nothing.
    std::string unit;
    bool matched = false;
    for (const auto& metric : known) {
      if (!GlobMatches(e.metric_pattern, metric.name)) continue;
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
    baseline.expectations.push_back(std::move(e));
  }
  return baseline;
}

}  // namespace kiln

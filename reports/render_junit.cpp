#include <fmt/format.h>
#include <pugixml.hpp>

#include <map>
#include <sstream>

#include "reports/renderers.hpp"
#include "reports/baseline_notes.hpp"
#include "reports/printable.hpp"
#include "reports/verdict_groups.hpp"

namespace kiln {

std::string RenderJunit(const nlohmann::json& report) {
  std::vector<VerdictGroup> groups = GroupVerdicts(report);
  pugi::xml_document doc;
  pugi::xml_node suites = doc.append_child("testsuites");
  suites.append_attribute("name") = fmt::format("kiln {} {}", report.at("suite").value("name", ""),
                                                Printable(report.at("cluster").value("name", ""))).c_str();
  std::map<std::string, pugi::xml_node> by_probe;
  std::map<std::string, std::map<std::string, int>> counts;
  for (const VerdictGroup& g : groups) {
    auto [it, inserted] = by_probe.emplace(g.probe, pugi::xml_node());
    if (inserted) {
      it->second = suites.append_child("testsuite");
      it->second.append_attribute("name") = g.probe.c_str();
    }
    pugi::xml_node testcase = it->second.append_child("testcase");
    testcase.append_attribute("classname") = fmt::format("kiln.{}", g.probe).c_str();
    testcase.append_attribute("name") = Printable(g.subject.Key()).c_str();
    ++counts[g.probe]["tests"];
    const char* element = nullptr;
    switch (g.worst) {
      case Outcome::kFail: element = "failure"; ++counts[g.probe]["failures"]; break;
      case Outcome::kError: element = "error"; ++counts[g.probe]["errors"]; break;
      case Outcome::kSkipped:
      case Outcome::kNotApplicable: element = "skipped"; ++counts[g.probe]["skipped"]; break;
      default: break;
    }
    std::string reasons = Printable(g.WorstReasons(), true);  // XML 1.0 has no control characters
    if (element != nullptr) {
      pugi::xml_node child = testcase.append_child(element);
      child.append_attribute("message") = reasons.substr(0, reasons.find('\n')).c_str();
      child.text() = reasons.c_str();
    }
    if (g.worst == Outcome::kWarn) testcase.append_child("system-out").text() = ("warning: " + reasons).c_str();
  }
  // Expectations the suite could not check are listed too, as skipped cases of their own.
  std::vector<std::string> unchecked = NotCheckedLines(report);
  if (!unchecked.empty()) {
    pugi::xml_node suite = suites.append_child("testsuite");
    suite.append_attribute("name") = "baseline.not_checked";
    for (const std::string& line : unchecked) {
      pugi::xml_node testcase = suite.append_child("testcase");
      testcase.append_attribute("classname") = "kiln.baseline";
      testcase.append_attribute("name") = Printable(line.substr(0, line.find(' '))).c_str();
      testcase.append_child("skipped").append_attribute("message") = ("not checked: " + Printable(line)).c_str();
    }
    by_probe.emplace("baseline.not_checked", suite);
    counts["baseline.not_checked"]["tests"] = static_cast<int>(unchecked.size());
    counts["baseline.not_checked"]["skipped"] = static_cast<int>(unchecked.size());
  }
  int tests = 0, failures = 0, errors = 0, skipped = 0;
  for (auto& [probe, node] : by_probe) {
    for (const char* key : {"tests", "failures", "errors", "skipped"}) node.append_attribute(key) = counts[probe][key];
    tests += counts[probe]["tests"];
    failures += counts[probe]["failures"];
    errors += counts[probe]["errors"];
    skipped += counts[probe]["skipped"];
  }
  suites.append_attribute("tests") = tests;
  suites.append_attribute("failures") = failures;
  suites.append_attribute("errors") = errors;
  suites.append_attribute("skipped") = skipped;
  std::ostringstream out;
  doc.save(out, "  ", pugi::format_default, pugi::encoding_utf8);
  return out.str();
}

}  // namespace kiln

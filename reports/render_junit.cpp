// junit.xml for CI dashboards (Jenkins, GitLab, GitHub test reporters): one testsuite per probe, one testcase per
// verdict (series x subject) with its value, rule and source in system-out; run metadata as properties.

#include <fmt/format.h>
#include <pugixml.hpp>

#include <algorithm>
#include <map>
#include <sstream>

#include "core/verdict.hpp"
#include "reports/baseline_notes.hpp"
#include "reports/report.hpp"
#include "reports/printable.hpp"
#include "reports/renderers.hpp"

namespace kiln {
namespace {

using nlohmann::json;

struct SuiteCounts {
  int tests = 0, failures = 0, errors = 0, skipped = 0;
  double time = 0;
};

// Element for an outcome that is not a plain pass; counts it.
const char* OutcomeElement(Outcome outcome, SuiteCounts& counts) {
  switch (outcome) {
    case Outcome::kFail: ++counts.failures; return "failure";
    case Outcome::kError: ++counts.errors; return "error";
    case Outcome::kSkipped:
    case Outcome::kNotApplicable: ++counts.skipped; return "skipped";
    default: return nullptr;
  }
}

std::string CaseText(const Verdict& v) {
  std::string text = fmt::format("outcome: {}\n", ToString(v.outcome));
  if (v.value) text += fmt::format("value: {:.6g}\n", *v.value);
  if (v.threshold) text += fmt::format("threshold: {:.6g}\n", *v.threshold);
  if (!v.rule.empty()) text += fmt::format("rule: {}\n", v.rule);
  if (!v.reason.empty()) text += fmt::format("reason: {}\n", v.reason);
  if (!v.cause.empty()) text += fmt::format("cause: {}\n", v.cause);
  if (!v.source.empty()) text += fmt::format("source: {}\n", v.source);
  return Printable(text, true);  // XML 1.0 has no control characters
}

// Seconds each probe's steps took: the slowest subject of each of its steps, summed.
std::map<std::string, double> ProbeTimes(const json& report) {
  std::map<std::string, double> times;
  for (const json& step : report.value("steps", json::array())) {
    double slowest = 0;
    for (const json& r : step.value("results", json::array())) slowest = std::max(slowest, r.value("elapsed_s", 0.0));
    times[step.value("probe", "")] += slowest;
  }
  return times;
}

void AddProperties(pugi::xml_node suite, const json& report) {
  pugi::xml_node properties = suite.append_child("properties");
  auto add = [&](const char* name, const std::string& value) {
    pugi::xml_node p = properties.append_child("property");
    p.append_attribute("name") = name;
    p.append_attribute("value") = Printable(value).c_str();
  };
  const json run = report.value("run", json::object());
  add("kiln.version", report.value("kiln", json::object()).value("version", ""));
  add("kiln.suite", report.at("suite").value("name", ""));
  add("kiln.baseline", report.value("baseline", json::object()).value("sku", ""));
  add("kiln.cluster", report.at("cluster").value("name", ""));
  add("kiln.run_id", run.value("id", ""));
  const json summary = SummaryOf(report);  // from the verdicts, not the file's own claim
  add("kiln.accepted", summary.value("accepted", false) ? "true" : "false");
  add("kiln.outcome", summary.value("outcome", ""));
  add("kiln.headline", summary.value("headline", ""));
  add("kiln.rules_required", std::to_string(summary.at("coverage").value("required", 0)));
  add("kiln.rules_judged", std::to_string(summary.at("coverage").value("judged", 0)));
}

}  // namespace

std::string RenderJunit(const nlohmann::json& report) {
  const json run = report.value("run", json::object());
  const std::string timestamp = run.value("started", "");
  const std::string hostname = Printable(report.at("cluster").value("name", ""));
  const std::map<std::string, double> times = ProbeTimes(report);
  pugi::xml_document doc;
  pugi::xml_node suites = doc.append_child("testsuites");
  suites.append_attribute("name") = fmt::format("kiln {} {}", report.at("suite").value("name", ""), hostname).c_str();

  std::vector<Verdict> verdicts = report.at("verdicts").get<std::vector<Verdict>>();
  std::vector<std::string> order;  // probes in the order they first appear
  std::map<std::string, std::vector<const Verdict*>> by_probe;
  for (const Verdict& v : verdicts) {
    if (by_probe[v.probe].empty()) order.push_back(v.probe);
    by_probe[v.probe].push_back(&v);
  }
  std::vector<std::string> unchecked = NotCheckedLines(report);
  if (!unchecked.empty()) order.push_back("baseline.not_checked");

  SuiteCounts total;
  for (const std::string& probe : order) {
    pugi::xml_node suite = suites.append_child("testsuite");
    SuiteCounts counts;
    AddProperties(suite, report);
    if (probe == "baseline.not_checked") {
      // Expectations the suite could not check are listed too, as skipped cases of their own.
      for (const std::string& line : unchecked) {
        pugi::xml_node testcase = suite.append_child("testcase");
        testcase.append_attribute("classname") = "kiln.baseline";
        testcase.append_attribute("name") = Printable(line.substr(0, line.find(' '))).c_str();
        testcase.append_attribute("time") = 0;
        testcase.append_child("skipped").append_attribute("message") = ("not checked: " + Printable(line)).c_str();
        ++counts.tests;
        ++counts.skipped;
      }
    } else {
      counts.time = times.count(probe) != 0 ? times.at(probe) : 0;
      for (const Verdict* v : by_probe[probe]) {
        pugi::xml_node testcase = suite.append_child("testcase");
        testcase.append_attribute("classname") = fmt::format("kiln.{}", Printable(probe)).c_str();
        std::string what = v->series.empty() ? (v->rule.empty() ? "step" : v->rule) : v->series;
        testcase.append_attribute("name") = Printable(fmt::format("{} @ {}", what, v->subject.Label())).c_str();
        testcase.append_attribute("time") = 0;
        ++counts.tests;
        if (const char* element = OutcomeElement(v->outcome, counts)) {
          std::string reason = Printable(v->reason.empty() ? std::string(ToString(v->outcome)) : v->reason);
          pugi::xml_node child = testcase.append_child(element);
          child.append_attribute("message") = reason.substr(0, reason.find('\n')).c_str();
          if (std::string_view(element) != "skipped") child.text() = CaseText(*v).c_str();
        }
        testcase.append_child("system-out").text() = CaseText(*v).c_str();
      }
    }
    // JUnit's attribute order on a testsuite: name, tests, failures, errors, skipped, time, timestamp, hostname.
    suite.prepend_attribute("hostname") = hostname.c_str();
    suite.prepend_attribute("timestamp") = timestamp.c_str();
    suite.prepend_attribute("time") = counts.time;
    suite.prepend_attribute("skipped") = counts.skipped;
    suite.prepend_attribute("errors") = counts.errors;
    suite.prepend_attribute("failures") = counts.failures;
    suite.prepend_attribute("tests") = counts.tests;
    suite.prepend_attribute("name") = Printable(probe).c_str();
    total.tests += counts.tests;
    total.failures += counts.failures;
    total.errors += counts.errors;
    total.skipped += counts.skipped;
  }
  suites.append_attribute("tests") = total.tests;
  suites.append_attribute("failures") = total.failures;
  suites.append_attribute("errors") = total.errors;
  suites.append_attribute("skipped") = total.skipped;
  suites.append_attribute("time") = run.value("duration_s", 0.0);
  suites.append_attribute("timestamp") = timestamp.c_str();
  std::ostringstream out;
  doc.save(out, "  ", pugi::format_default, pugi::encoding_utf8);
  return out.str();
}

}  // namespace kiln

// `kiln list probes|suites|baselines`.

#include <fmt/format.h>

#include "apps/command.hpp"
#include "apps/data_files.hpp"
#include "probes/registry.hpp"
#include "runners/suite.hpp"

namespace kiln {
namespace {

int List(const std::string& what) {
  if (what == "probes") {
    ProbeRegistry registry = ProbeRegistry::Default();
    for (const auto& probe : registry.probes()) {
      fmt::print("{:<16} {:<6} {}\n", probe->Name(), ToString(probe->scope()), probe->Description());
      for (const ParamSpec& p : probe->Parameters()) {
        fmt::print("    param  {:<20} {:<9} default {:<12} {}\n", p.name, ToString(p.type),
                   p.default_value.empty() ? "\"\"" : p.default_value, p.description);
      }
      for (const MetricSpec& m : probe->Metrics()) {
        fmt::print("    metric {:<32} {:<6} {}\n", m.name, m.unit, m.description);
      }
    }
    return 0;
  }
  if (what == "suites") {
    // Each suite with what it does and how long it asks its probes to run; `kiln run --plan` shows the steps.
    ProbeRegistry registry = ProbeRegistry::Default();
    for (const std::string& name : ListDataFiles(what)) {
      Suite suite = LoadSuite(ResolveDataFile("suites", name), registry);
      SuitePlan plan = PlanSuite(suite);
      fmt::print("{:<14} {} steps; probes asked to run {}; at most {}\n    {}\n", name, suite.steps.size(),
                 FormatDuration(plan.asked), plan.LimitText(), suite.description);
    }
    return 0;
  }
  for (const std::string& name : ListDataFiles(what)) fmt::print("{}\n", name);
  return 0;
}

}  // namespace

Command AddListCommand(CLI::App& app) {
  auto what = std::make_shared<std::string>();
  CLI::App* list = app.add_subcommand("list", "list probes, suites or baselines");
  list->add_option("what", *what, "probes | suites | baselines")
      ->required()
      ->check(CLI::IsMember({"probes", "suites", "baselines"}));
  return {list, [what] { return List(*what); }};
}

}  // namespace kiln

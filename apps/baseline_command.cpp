// `kiln baseline derive REPORT.json... -o FILE.xml`: a baseline from the reports of healthy nodes.

#include <fmt/format.h>

#include <filesystem>

#include "apps/command.hpp"
#include "core/baseline.hpp"
#include "core/errors.hpp"
#include "core/files.hpp"
#include "probes/registry.hpp"
#include "reports/baseline_derivation.hpp"
#include "reports/baseline_derivation_input.hpp"
#include "reports/report.hpp"

namespace kiln {
namespace {

struct DeriveArgs {
  std::vector<std::string> reports;
  std::string output;
  DerivationOptions options;
};

int Derive(const DeriveArgs& args) {
  ProbeRegistry registry = ProbeRegistry::Default();
  RefuseOverwritingInput(args.output, args.reports, "-o");
  // Each report is read into what derive needs (a median per measurement), not kept whole.
  std::vector<DerivationReport> inputs;
  for (const std::string& path : args.reports) inputs.push_back(ReadDerivationReport(path));
  std::string text = DeriveBaseline(inputs, registry.AllMetrics(), args.options);
  // What is written must load like any other baseline: the temporary file is loaded back before it takes the
  // output's name, so a baseline Kiln would refuse never lands on disk (and an earlier file there stays).
  bool through = WritesThrough(args.output);
  std::string checked_beside = through ? std::filesystem::temp_directory_path().string() + "/kiln-derived.xml"
                                       : args.output;
  PendingFile pending(checked_beside, text);
  Baseline baseline;
  try {
    baseline = LoadBaseline(pending.temp_path(), registry.AllMetrics());
  } catch (const KilnError& e) {
    std::string message = fmt::format("the derived baseline does not load back ({}); nothing written to {}", e.what(),
                                      args.output);
    if (e.exit_code() == kExitBadInput) throw InputError(message);
    throw RunError(message);
  }
  if (through) {
    WriteOutputFile(args.output, text);
  } else {
    pending.Commit();
  }
  fmt::print("kiln: wrote {} ({} rules from {} report(s))\n", args.output, baseline.expectations.size(),
             inputs.size());
  return 0;
}

}  // namespace

Command AddBaselineCommand(CLI::App& app) {
  auto args = std::make_shared<DeriveArgs>();
  CLI::App* baseline = app.add_subcommand("baseline", "make baselines");
  baseline->require_subcommand(1);
  CLI::App* derive = baseline->add_subcommand("derive", "a baseline from the reports of nodes known to be healthy");
  derive->add_option("reports", args->reports, "report.json files of healthy nodes")->required();
  derive->add_option("-o,--output", args->output, "baseline file to write")->required();
  derive->add_option("--sku", args->options.sku, "the baseline's name")->capture_default_str();
  derive->add_option("--k", args->options.k, "robust deviations between median and floor")
      ->capture_default_str()->check(CLI::PositiveNumber);
  derive->add_option("--min-drop", args->options.min_drop, "least share of the median between median and floor")
      ->capture_default_str()->check(CLI::Range(0.0, 0.99));
  derive->add_option("--min-nodes", args->options.min_nodes, "fewest distinct nodes to derive from")
      ->capture_default_str()->check(CLI::PositiveNumber);
  derive->add_flag("--allow-failed", args->options.allow_failed, "use reports that did not pass");
  return {baseline, [args] { return Derive(*args); }};
}

}  // namespace kiln

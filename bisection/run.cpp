#include "bisection/run.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <cstdlib>
#include <sstream>

#include "core/baseline.hpp"
#include "core/errors.hpp"
#include "core/files.hpp"
#include "reports/report.hpp"
#include "reports/report_bundle.hpp"
#include "bisection/launcher.hpp"
#include "bisection/report.hpp"
#include "bisection/simulation.hpp"
#include "runners/hostfile.hpp"
#include "runners/suite.hpp"

namespace kiln {
namespace {

Probe* RequireProbe(const ProbeRegistry& registry, const std::string& name, const char* option) {
  Probe* probe = registry.Find(name);
  if (probe == nullptr) {
    throw InputError(fmt::format("{} '{}' is not a probe of this build ({})", option, name,
                                 fmt::join(registry.Names(), ", ")));
  }
  return probe;
}

// The stage probes: the probe under bisection decides which stages exist.
StageProbes ChooseProbes(const BisectionRunOptions& options, const ProbeRegistry& registry) {
  Probe* probe = RequireProbe(registry, options.probe, "--probe");
  StageProbes probes;
  if (options.node_probe != "none") {
    Probe* node = RequireProbe(registry, options.node_probe, "--node-probe");
    if (node->scope() != Scope::kNode) {
      throw InputError(fmt::format("--node-probe '{}' has scope '{}'; it must be a node probe", options.node_probe,
                                   ToString(node->scope())));
    }
    probes.node = options.node_probe;
  }
  switch (probe->scope()) {
    case Scope::kNode: probes.node = options.probe; break;
    case Scope::kPair: probes.pair = options.probe; break;
    case Scope::kGroup:
      probes.group = options.probe;
      probes.pair = options.pair_probe.empty() ? "mpi_link" : options.pair_probe;
      break;
  }
  if (!options.pair_probe.empty() && probe->scope() != Scope::kGroup && options.pair_probe != probes.pair) {
    throw InputError(fmt::format("--pair-probe applies when --probe is a group probe; '{}' is a {} probe",
                                 options.probe, ToString(probe->scope())));
  }
  if (options.pair_probe == "none") probes.pair.clear();
  if (!probes.pair.empty() && RequireProbe(registry, probes.pair, "--pair-probe")->scope() != Scope::kPair) {
    throw InputError(fmt::format("--pair-probe '{}' must be a pair probe", probes.pair));
  }
  return probes;
}

// The step a stage runs: from the suite when it has the probe, otherwise the probe's defaults.
TrialStep StepFor(const std::string& probe_name, const Suite* suite, const ProbeRegistry& registry) {
  Probe* probe = registry.Find(probe_name);
  TrialStep step;
  step.probe = probe_name;
  step.phase = probe->scope() == Scope::kPair    ? "pair"
               : probe->scope() == Scope::kGroup ? "group"
               : probe_name == "health"          ? "health"
                                                 : "node";
  if (suite != nullptr) {
    for (const SuiteStep& s : suite->steps) {
      if (s.probe != probe) continue;
      step.params = s.params.Text();
      step.timeout_s = s.timeout.count();
      return step;
    }
  }
  step.params = Parameters::Parse(probe->Parameters(), {}, "defaults").Text();
  return step;
}

std::string ChooseLauncher(const std::string& wanted) {
  if (wanted == "mpirun" || wanted == "srun") return wanted;
  if (wanted != "auto") throw InputError(fmt::format("--launcher '{}' must be auto, mpirun or srun", wanted));
  return std::getenv("SLURM_JOB_ID") != nullptr ? "srun" : "mpirun";
}

}  // namespace

std::string AddBisectionToReport(nlohmann::json& report, BisectionRunOptions options, const ProbeRegistry& registry) {
  std::vector<Verdict> verdicts = report.at("verdicts").get<std::vector<Verdict>>();
  for (std::size_t i = 0; i < verdicts.size(); ++i) {
    Probe* probe = registry.Find(verdicts[i].probe);
    if (!IsFailure(verdicts[i].outcome) || probe == nullptr || probe->scope() == Scope::kNode) continue;
    const std::string name = verdicts[i].probe;  // a copy: `verdicts` grows below
    options.probe = name;
    options.out_dir += "/bisect-" + name;
    BisectionRunResult run = RunBisection(options, registry);
    nlohmann::json bisect = LoadReport(run.report_path);
    for (const Verdict& found : bisect.at("verdicts").get<std::vector<Verdict>>()) {
      if (found.outcome != Outcome::kPass) verdicts.push_back(found);
    }
    report["bisection"] = bisect.at("bisection");
    report["bisection"]["report"] = "bisect-" + name + "/report.json";
    report["verdicts"] = verdicts;
    report["summary"] = BuildSummary(verdicts);
    return name;
  }
  return "";
}

BisectionRunResult RunBisection(const BisectionRunOptions& options, const ProbeRegistry& registry) {
  bool simulated = !options.simulate_path.empty();
  if (simulated == !options.hosts_path.empty()) {
    throw InputError("kiln bisect needs exactly one of --hosts FILE (real nodes) or --simulate CLUSTER.xml");
  }
  StageProbes probes = ChooseProbes(options, registry);
  BisectOptions planner = options.planner;
  planner.node_stage = planner.node_stage && !probes.node.empty();
  planner.pair_stage = planner.pair_stage && !probes.pair.empty();
  planner.group_stage = planner.group_stage && !probes.group.empty();
  Baseline baseline = LoadBaseline(options.baseline_path, registry.AllMetrics());
  MakeDirectories(options.out_dir);

  auto start = std::chrono::steady_clock::now();
  RunRecord record;
  record.kiln_version = KILN_VERSION;
  record.run_id = RandomRunId();
  record.started = UtcNow();
  record.suite_name = "bisect";
  record.suite_description = fmt::format("bisection of {} (stages: node {}, pair {}, group {})", options.probe,
                                         probes.node.empty() ? "-" : probes.node,
                                         probes.pair.empty() ? "-" : probes.pair,
                                         probes.group.empty() ? "-" : probes.group);
  record.baseline_sku = baseline.sku;
  record.baseline_path = baseline.path;
  record.baseline_sha256 = baseline.sha256;
  record.baseline_description = baseline.description;

  std::vector<std::string> names;
  BisectResult result;
  std::string interruption;
  if (simulated) {
    SimulatedCluster cluster = LoadSimulatedCluster(options.simulate_path);
    names = cluster.nodes;
    record.launcher = "simulated";
    record.cluster = options.cluster.empty() ? cluster.name : options.cluster;
    record.suite_path = cluster.path;
    SimulatedExecutor executor(cluster);
    result = Bisect(names, executor, planner);
  } else {
    for (const HostEntry& host : LoadHostfile(options.hosts_path)) names.push_back(host.name);
    if (names.empty()) throw InputError(options.hosts_path, 0, "the hostfile names no hosts");
    std::optional<Suite> suite;
    if (!options.suite_path.empty()) suite = LoadSuite(options.suite_path, registry);
    LauncherOptions launch;
    launch.kiln_binary = options.kiln_binary;
    launch.launcher = ChooseLauncher(options.launcher);
    std::istringstream words(options.launcher_args);
    for (std::string word; words >> word;) launch.launcher_args.push_back(word);
    launch.baseline_path = baseline.path;
    launch.hosts = names;
    launch.work_dir = options.out_dir + "/trials";
    launch.launch_slack_s = options.launch_slack_s;
    launch.parallel = options.parallel;
    launch.quiet = options.quiet;
    launch.interrupted = options.interrupted;
    const Suite* steps_from = suite ? &*suite : nullptr;
    if (!probes.node.empty()) launch.steps[TrialKind::kNode] = StepFor(probes.node, steps_from, registry);
    if (!probes.pair.empty()) launch.steps[TrialKind::kPair] = StepFor(probes.pair, steps_from, registry);
    if (!probes.group.empty()) launch.steps[TrialKind::kGroup] = StepFor(probes.group, steps_from, registry);
    record.launcher = launch.launcher;
    record.cluster = options.cluster.empty() ? names.front() : options.cluster;
    record.suite_path = options.suite_path;
    if (suite) record.suite_sha256 = suite->sha256;
    LaunchingExecutor executor(launch);
    result = Bisect(names, executor, planner);
    if (executor.interrupted()) interruption = "the bisection was interrupted by a signal; what it found so far stands";
  }
  for (const std::string& name : names) record.nodes.push_back({name, {}, nullptr});
  record.verdicts = BisectionVerdicts(result, names, probes);
  if (!interruption.empty()) {
    Verdict v;
    v.probe = "bisect";
    v.subject = Subject::Group(names);
    v.outcome = Outcome::kError;
    v.rule = "a bisection must finish";
    v.reason = interruption;
    record.verdicts.push_back(std::move(v));
  }
  record.finished = UtcNow();
  record.duration_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  nlohmann::json report = BuildReport(record);
  report["run"]["simulated"] = simulated;
  report["bisection"] = BisectionSection(result, names, probes, simulated);
  WrittenBundle written = WriteReportBundle(std::move(report), {options.out_dir, options.sign_key, options.chain_dir});
  BisectionRunResult run;
  run.exit_code = written.exit_code;
  run.report_path = written.report_path;
  run.summary = written.summary;
  return run;
}

}  // namespace kiln

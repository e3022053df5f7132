#include "bisection/run.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <sstream>

#include "core/baseline.hpp"
#include "core/errors.hpp"
#include "core/files.hpp"
#include "reports/report.hpp"
#include "reports/report_bundle.hpp"
#include "bisection/launcher.hpp"
#include "bisection/report.hpp"
#include "bisection/simulation.hpp"
#include "bisection/topology.hpp"
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

// The probes that declare `part` as theirs when the command line names none (ProbeTraits::bisection).
std::vector<std::string> DeclaredFor(const ProbeRegistry& registry, BisectionDefault part) {
  std::vector<std::string> names;
  for (const auto& probe : registry.probes()) {
    if (probe->Traits().bisection == part) names.push_back(probe->Name());
  }
  return names;
}

std::string FirstDeclaredFor(const ProbeRegistry& registry, BisectionDefault part) {
  std::vector<std::string> names = DeclaredFor(registry, part);
  return names.empty() ? "" : names.front();
}

std::string ExplainedProbe(const BisectionRunOptions& options, const ProbeRegistry& registry) {
  return options.probe.empty() ? FirstDeclaredFor(registry, BisectionDefault::kExplained) : options.probe;
}

// The stage probes: the probe under bisection decides which stages exist.
StageProbes ChooseProbes(const BisectionRunOptions& options, const ProbeRegistry& registry) {
  const std::string explained = ExplainedProbe(options, registry);
  Probe* probe = RequireProbe(registry, explained, "--probe");
  StageProbes probes;
  if (options.node_probe != "none") {
    std::istringstream list(options.node_probe.empty()
                                ? fmt::format("{}", fmt::join(DeclaredFor(registry, BisectionDefault::kNodeStage), ","))
                                : options.node_probe);
    for (std::string name; std::getline(list, name, ',');) {
      Probe* node = RequireProbe(registry, name, "--node-probe");
      if (node->scope() != Scope::kNode) {
        throw InputError(fmt::format("--node-probe '{}' has scope '{}'; it must be a node probe", name,
                                     ToString(node->scope())));
      }
      probes.node.push_back(name);
    }
    if (probes.node.empty()) throw InputError("--node-probe names no probe (give one, a comma list, or none)");
  }
  switch (probe->scope()) {
    case Scope::kNode: probes.node = {explained}; break;
    case Scope::kPair: probes.pair = explained; break;
    case Scope::kGroup:
      probes.group = explained;
      probes.pair = options.pair_probe.empty() ? FirstDeclaredFor(registry, BisectionDefault::kPairStage)
                                               : options.pair_probe;
      break;
  }
  if (!options.pair_probe.empty() && probe->scope() != Scope::kGroup && options.pair_probe != probes.pair) {
    throw InputError(fmt::format("--pair-probe applies when --probe is a group probe; '{}' is a {} probe",
                                 explained, ToString(probe->scope())));
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
               : probe->Traits().inventories     ? kPhaseOrder[0]  // the health phase, which finds what a node is
                                                 : "node";
  if (suite != nullptr) {
    for (const SuiteStep& s : suite->steps) {
      if (s.probe != probe) continue;
      step.params = s.params.Text();
      step.timeout_s = s.timeout.count();
      return step;
    }
  }
  Parameters defaults = Parameters::Parse(probe->Parameters(), {}, "defaults");
  step.params = defaults.Text();
  // No suite step: a timeout that scales with what the defaults ask (three times it, plus start-up), never
  // under a minute.
  step.timeout_s = std::max(60.0, 3 * probe->AskedTime(defaults).count() + 30);
  return step;
}

// What the search ran on and what it found.
struct SearchOutcome {
  std::vector<std::string> names;
  std::optional<Topology> topology;
  BisectResult result;
  std::string interruption;
};

// Drives the planner with virtual nodes (--simulate) or with real MPI jobs over the hosts; fills the record's
// launch fields.
SearchOutcome Search(const BisectionRunOptions& options, const ProbeRegistry& registry, const StageProbes& probes,
                     const BisectOptions& planner, const Baseline& baseline, RunRecord& record) {
  SearchOutcome out;
  if (!options.simulate_path.empty()) {
    SimulatedCluster cluster = LoadSimulatedCluster(options.simulate_path);
    out.names = cluster.nodes;
    if (!options.topology_path.empty()) out.topology = LoadTopology(options.topology_path, out.names);
    AttachTopology(cluster, out.topology ? &*out.topology : nullptr);
    record.launcher = "simulated";
    record.cluster = options.cluster.empty() ? cluster.name : options.cluster;
    record.suite_path = cluster.path;
    SimulatedExecutor executor(cluster);
    BisectOptions simulated = planner;
    if (simulated.group_limit == 0) simulated.group_limit = cluster.sensitivity;  // the simulated probe's
    if (out.topology) simulated.leaf_of = out.topology->leaf_of;
    out.result = Bisect(out.names, executor, simulated);
    return out;
  }
  for (const HostEntry& host : LoadHostfile(options.hosts_path)) out.names.push_back(host.name);
  if (out.names.empty()) throw InputError(options.hosts_path, 0, "the hostfile names no hosts");
  BisectOptions with_tree = planner;
  if (!options.topology_path.empty()) {
    out.topology = LoadTopology(options.topology_path, out.names);
    with_tree.leaf_of = out.topology->leaf_of;
  }
  std::optional<Suite> suite;
  if (!options.suite_path.empty()) suite = LoadSuite(options.suite_path, registry);
  LauncherOptions launch;
  launch.kiln_binary = options.kiln_binary;
  launch.launcher = &ChooseLauncher(options.launcher);
  launch.ranks_per_node = options.ranks_per_node.ranks;
  launch.gpu_per_rank = options.ranks_per_node.gpu_per_rank;
  std::istringstream words(options.launcher_args);
  for (std::string word; words >> word;) launch.launcher_args.push_back(word);
  launch.baseline_path = baseline.path;
  launch.hosts = out.names;
  launch.work_dir = options.out_dir + "/trials";
  launch.launch_slack_s = options.launch_slack_s;
  launch.parallel = options.parallel;
  launch.quiet = options.quiet;
  launch.interrupted = options.interrupted;
  const Suite* steps_from = suite ? &*suite : nullptr;
  for (const std::string& name : probes.node) {
    launch.steps[TrialKind::kNode].push_back(StepFor(name, steps_from, registry));
    // A down-clocked node shows against its peers, on the metric its probe declares for that.
    std::string peer_metric = registry.Find(name)->Traits().peer_metric;
    if (!peer_metric.empty()) launch.peer_metric = peer_metric;
  }
  if (!probes.pair.empty()) launch.steps[TrialKind::kPair] = {StepFor(probes.pair, steps_from, registry)};
  if (!probes.group.empty()) launch.steps[TrialKind::kGroup] = {StepFor(probes.group, steps_from, registry)};
  record.launcher = std::string(launch.launcher->Name());
  record.cluster = options.cluster.empty() ? out.names.front() : options.cluster;
  record.suite_path = options.suite_path;
  if (suite) record.suite_sha256 = suite->sha256;
  LaunchingExecutor executor(launch);
  out.result = Bisect(out.names, executor, with_tree);
  if (executor.interrupted()) out.interruption = "the bisection was interrupted by a signal; what it found so far stands";
  return out;
}

}  // namespace

void CheckStageProbes(const BisectionRunOptions& options, const ProbeRegistry& registry) {
  ChooseProbes(options, registry);
}

nlohmann::json BuildBisectionReport(const BisectionRunOptions& options, const ProbeRegistry& registry) {
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
  MakeDirectories(options.out_dir);  // claimed (and locked) by the caller, which writes the bundle

  auto start = std::chrono::steady_clock::now();
  RunRecord record = StartRecord();
  record.suite_name = "bisect";
  record.suite_description = fmt::format("bisection of {} (stages: node {}, pair {}, group {})",
                                         ExplainedProbe(options, registry),
                                         probes.node.empty() ? "-" : probes.For(TrialKind::kNode),
                                         probes.pair.empty() ? "-" : probes.pair,
                                         probes.group.empty() ? "-" : probes.group);
  record.baseline_sku = baseline.sku;
  record.baseline_path = baseline.path;
  record.baseline_sha256 = baseline.sha256;
  record.baseline_description = baseline.description;

  SearchOutcome search = Search(options, registry, probes, planner, baseline, record);
  for (const std::string& name : search.names) record.nodes.push_back({name, {}, nullptr});
  const Topology* tree = search.topology ? &*search.topology : nullptr;
  record.verdicts = BisectionVerdicts(search.result, search.names, probes, tree);
  if (!search.interruption.empty()) {
    record.verdicts.push_back(InterruptedVerdict("bisect", Subject::Group(search.names), search.interruption));
  }
  record.finished = UtcNow();
  record.duration_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  nlohmann::json report = BuildReport(record);
  report["run"]["simulated"] = simulated;
  report["bisection"] = BisectionSection(search.result, search.names, probes, simulated, tree);
  if (tree != nullptr) report["bisection"]["topology"] = tree->path;
  return report;
}

std::string AddBisectionToReport(nlohmann::json& report, BisectionRunOptions options, const ProbeRegistry& registry) {
  std::vector<Verdict> verdicts = report.at("verdicts").get<std::vector<Verdict>>();
  // Every pair or group probe that failed, once each, in the order the run met them.
  std::vector<std::string> failed;
  for (const Verdict& v : verdicts) {
    Probe* probe = registry.Find(v.probe);
    if (!IsFailure(v.outcome) || probe == nullptr || probe->scope() == Scope::kNode) continue;
    if (std::find(failed.begin(), failed.end(), v.probe) == failed.end()) failed.push_back(v.probe);
  }
  if (failed.empty()) return "";
  nlohmann::json sections = nlohmann::json::array();
  const std::string out_dir = options.out_dir;
  for (const std::string& name : failed) {
    options.probe = name;
    options.out_dir = out_dir + "/bisect-" + name;
    options.force = true;  // the run claimed its folder already
    OutFolderClaim claim = ClaimOutFolder(options.out_dir, options.force);  // locked until its bundle is written
    nlohmann::json bisect = BuildBisectionReport(options, registry);
    for (const Verdict& found : bisect.at("verdicts").get<std::vector<Verdict>>()) {
      if (found.outcome != Outcome::kPass) verdicts.push_back(found);
    }
    nlohmann::json section = bisect.at("bisection");
    section["probe"] = name;
    section["report"] = "bisect-" + name + "/report.json";
    sections.push_back(std::move(section));
    // The bisection's own report stays beside its trials, unsigned: the signed one is the run's, with it inside.
    WriteReportBundle(std::move(bisect), {options.out_dir, std::nullopt, ""});
  }
  report["bisection"] = sections.front();
  if (sections.size() > 1) report["bisections"] = sections;
  report["verdicts"] = verdicts;
  report["summary"] = BuildSummary(verdicts);
  return fmt::format("{}", fmt::join(failed, ", "));
}

BisectionRunResult RunBisection(const BisectionRunOptions& options, const ProbeRegistry& registry) {
  OutFolderClaim claim = ClaimOutFolder(options.out_dir, options.force);  // locked until the bundle is written
  WrittenBundle written =
      WriteReportBundle(BuildBisectionReport(options, registry), {options.out_dir, options.sign_key, options.chain_dir});
  return {written.exit_code, written.summary, written.report_path};
}

}  // namespace kiln

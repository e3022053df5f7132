// `kiln bisect`: find the nodes and links that make a probe fail, over real hosts or a simulated cluster.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdlib>
#include <sstream>

#include "apps/command.hpp"
#include "apps/data_files.hpp"
#include "apps/option_checks.hpp"
#include "apps/process.hpp"
#include "core/baseline.hpp"
#include "core/errors.hpp"
#include "core/units.hpp"
#include "probes/registry.hpp"
#include "reports/signing.hpp"
#include "bisection/run.hpp"
#include "bisection/simulation.hpp"
#include "bisection/topology.hpp"
#include "runners/hostfile.hpp"
#include "runners/launch_context.hpp"
#include "runners/suite.hpp"

namespace kiln {
namespace {

struct BisectArgs {
  BisectionRunOptions options;
  std::string suite = "quick";
  std::string baseline = "cpu-host";
  std::string sign_key;
  std::string stages = "node,pair,group";
  bool no_padding = false;
  int gpus_per_node = 0;  // 0: this machine's GPUs (one rank when none)
};

// Every file and probe name kiln bisect reads, checked before --out is claimed: a bad one is exit 2 with no folder
// made, and --force moves no earlier report aside for a run that cannot start. The bisection reads them again.
// (Scopes, such as a pair probe given as --node-probe, are checked as the bisection starts.)
void CheckInputs(const BisectionRunOptions& options, const ProbeRegistry& registry) {
  if (options.simulate_path.empty() == options.hosts_path.empty()) {
    throw InputError("kiln bisect needs exactly one of --hosts FILE (real nodes) or --simulate CLUSTER.xml");
  }
  // Each file is loaded for its errors only.
  std::vector<std::string> names;
  if (!options.simulate_path.empty()) {
    names = LoadSimulatedCluster(options.simulate_path).nodes;
  } else {
    for (const HostEntry& host : LoadHostfile(options.hosts_path)) names.push_back(host.name);
    if (!options.suite_path.empty()) LoadSuite(options.suite_path, registry);  // real trials take their steps from it
  }
  if (!options.topology_path.empty()) LoadTopology(options.topology_path, names);
  LoadBaseline(options.baseline_path, registry.AllMetrics());
  auto require_probes = [&](const std::string& list, const char* option) {
    std::istringstream words(list == "none" ? "" : list);
    for (std::string name; std::getline(words, name, ',');) {
      if (registry.Find(name) != nullptr) continue;
      throw InputError(fmt::format("{} '{}' is not a probe of this build ({})", option, name,
                                   fmt::join(registry.Names(), ", ")));
    }
  };
  require_probes(options.probe, "--probe");
  require_probes(options.node_probe, "--node-probe");
  require_probes(options.pair_probe, "--pair-probe");
  CheckStageProbes(options, registry);  // and each of the scope its stage needs
}

int Bisect(BisectArgs& args, const char* argv0) {
  ProbeRegistry registry = ProbeRegistry::Default();
  BisectionRunOptions& options = args.options;
  RequireOutFolder(options.out_dir);
  RequireSignedChain(options.chain_dir, args.sign_key);
  options.suite_path = ResolveDataFile("suites", args.suite);
  if (args.baseline == "auto") {
    throw InputError("kiln bisect needs a baseline SKU or file: its trials run one probe each, without the health "
                     "step that --baseline auto chooses by");
  }
  options.baseline_path = ResolveDataFile("baselines", args.baseline);
  options.kiln_binary = ThisExecutable(argv0);
  if (!args.sign_key.empty()) options.sign_key = LoadSecretKey(args.sign_key);
  options.planner.node_stage = options.planner.pair_stage = options.planner.group_stage = false;
  std::istringstream stages(args.stages);
  for (std::string stage; std::getline(stages, stage, ',');) {
    if (stage == "node") options.planner.node_stage = true;
    else if (stage == "pair") options.planner.pair_stage = true;
    else if (stage == "group") options.planner.group_stage = true;
    else throw InputError(fmt::format("--stages: unknown stage '{}' (node, pair, group)", stage));
  }
  // No stage would test nothing and accept the cluster.
  if (!options.planner.node_stage && !options.planner.pair_stage && !options.planner.group_stage) {
    throw InputError(fmt::format("--stages '{}' names no stage: give node, pair or group (a comma list)", args.stages));
  }
  options.planner.keep_scale = !args.no_padding;
  CheckInputs(options, registry);
  const char* sysfs = std::getenv("KILN_SYSFS_ROOT");
  options.ranks_per_node = ChooseRanksPerNode(args.gpus_per_node, sysfs ? sysfs : "/sys");
  options.interrupted = &StopRequested();
  InstallStopHandlers();
  BisectionRunResult result = RunBisection(options, registry);
  std::fputs(result.summary.c_str(), stdout);
  fmt::print("kiln: report written to {}\n", result.report_path);
  return result.exit_code;
}

}  // namespace

Command AddBisectCommand(CLI::App& app, const CommandLine& line) {
  auto args = std::make_shared<BisectArgs>();
  BisectionRunOptions& bo = args->options;
  CLI::App* bisect = app.add_subcommand("bisect", "find the nodes and links that make a probe fail or fall below its baseline");
  bisect->add_option("--hosts", bo.hosts_path, "hostfile of the nodes to search (launches mpirun/srun per trial)");
  bisect->add_option("--simulate", bo.simulate_path, "CLUSTER.xml: virtual nodes with injected faults, no MPI");
  bisect->add_option("--probe", bo.probe, "the probe to explain: mpi_allreduce, nccl, mpi_link, ib_link...")
      ->capture_default_str();
  bisect->add_option("--node-probe", bo.node_probe, "stage 1 node probes (a comma list), or none; host_compute's rate is compared across the nodes")->capture_default_str();
  bisect->add_option("--pair-probe", bo.pair_probe, "stage 2 probe for a group --probe (default mpi_link), or none");
  bisect->add_option("--stages", args->stages, "stages to run, in this order")->capture_default_str();
  bisect->add_option("--suite", args->suite, "suite whose steps give the probes' parameters and timeouts")
      ->capture_default_str();
  bisect->add_option("--baseline", args->baseline, "what a trial must meet to pass (a SKU or a file)")
      ->capture_default_str();
  bisect->add_option("--out", bo.out_dir, "folder for report.json and every trial's folder")->capture_default_str();
  bisect->add_flag("--force", bo.force, "--out holds an earlier report: move it aside into --out/previous-<time>/");
  bisect->add_option("--cluster", bo.cluster, "cluster name in the report");
  bisect->add_option("--launcher", bo.launcher, "auto | mpirun | srun")->capture_default_str();
  bisect->add_option("--launcher-args", bo.launcher_args, "extra words for mpirun or srun");
  bisect->add_option("--gpus-per-node", args->gpus_per_node, "ranks per node in each trial, one per GPU (default: "
                     "this machine's GPUs; 1 without)")->check(CLI::Range(1, 4096));
  bisect->add_option("--launch-slack", bo.launch_slack_s, "seconds a job may take beyond its step's timeout")
      ->capture_default_str()->check(FinitePositive(kMaxDurationSeconds));
  bisect->add_option("--parallel", bo.parallel, "most jobs at once")->capture_default_str()->check(CLI::PositiveNumber);
  bisect->add_option("--retests", bo.planner.retests, "retests of a suspect whose failure does not repeat")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  bisect->add_option("--every-pair-up-to", bo.planner.every_pair_up_to,
                     "test every pair (n-1 rounds of the circle method) of clusters up to this many nodes; larger "
                     "ones get one matching and rely on the group probe (mpi_alltoall exercises every pair)")
      ->capture_default_str()->check(CLI::PositiveNumber);
  bisect->add_flag("--cover-links", bo.planner.cover_links,
                   "always run the group probe (use mpi_alltoall) on groups of about sqrt(n) nodes in which every "
                   "pair meets (about sqrt(n)+1 rounds), then narrow a failing group to its pair; without it this "
                   "runs when the group stage leaves a failure unexplained or --sensitivity is below the nodes");
  bisect->add_option("--topology", bo.topology_path, "Slurm topology.conf (tree): leaves first, switch and uplink findings");
  bisect->add_option("--sensitivity", bo.planner.group_limit,
                     "largest group test of the group probe in which one slow pair still shows; links are sought in "
                     "groups no larger (default: any size; --simulate: the cluster file's)")
      ->check(CLI::Range(2, 1 << 30));
  bisect->add_flag("--no-padding", args->no_padding, "do not pad halves with cleared nodes to keep the scale");
  bisect->add_option("--sign-key", args->sign_key, "secret key file: sign report.json")->check(NonEmpty());
  bisect->add_option("--chain", bo.chain_dir, "folder of this cluster's signed reports: link this one to the last")->check(NonEmpty());
  bisect->add_flag("--quiet", bo.quiet, "no progress lines");
  return {bisect, [args, line] { return Bisect(*args, line.argv[0]); }};
}

}  // namespace kiln

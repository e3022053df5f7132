#pragma once
// `kiln bisect`: which probes each stage runs, with which parameters, then the planner driven by real
// MPI jobs (or by a simulated cluster), then the report with the bisection trail.

#include <nlohmann/json.hpp>

#include <atomic>
#include <optional>
#include <string>

#include "probes/registry.hpp"
#include "reports/signing.hpp"
#include "bisection/planner.hpp"
#include "runners/launch_context.hpp"

namespace kiln {

struct BisectionRunOptions {
  // Empty: the probes that declare that part (ProbeTraits::bisection: mpi_allreduce; health and host_compute;
  // mpi_link).
  std::string probe;                    // the probe whose failure is being explained
  std::string node_probe;               // stage 1: node probes, a comma list; "none" to leave it out
  std::string pair_probe;               // stage 2; default: the probe itself if a pair probe, else the declared one
  std::string suite_path;               // parameters and timeouts of the probes, where the suite has them
  std::string baseline_path;
  std::string hosts_path;               // real runs
  std::string simulate_path;            // CLUSTER.xml: simulated run
  std::string topology_path;            // Slurm topology.conf (tree): leaves, switch and uplink findings
  std::string out_dir = "kiln-bisect";
  std::string cluster;
  std::string launcher = "auto";        // auto (srun inside a Slurm allocation, else mpirun) | mpirun | srun
  std::string launcher_args;
  RanksPerNode ranks_per_node;          // per trial: --gpus-per-node, or this machine's GPUs
  std::string kiln_binary;
  double launch_slack_s = 60;
  int parallel = 32;
  bool quiet = false;
  bool force = false;  // out_dir holds an earlier report: move it aside instead of refusing
  std::optional<KeyPair> sign_key;
  std::string chain_dir;
  BisectOptions planner;
  const std::atomic<bool>* interrupted = nullptr;  // SIGINT/SIGTERM: stop, report what was found so far
};

struct BisectionRunResult {
  int exit_code = 0;
  std::string summary;
  std::string report_path;
};

// `kiln run --hosts FILE --bisect`, after the run: every pair or group probe that failed in `report` is
// bisected over the hosts, one after the other (each in out_dir/bisect-PROBE); the trails and the findings
// join the report (`bisection`: the first; `bisections`: all, when more than one) and its summary is
// recomputed. Returns the probes bisected ("a, b"), or "" when no pair or group probe failed.
std::string AddBisectionToReport(nlohmann::json& report, BisectionRunOptions options, const ProbeRegistry& registry);

// The bisection's report, in memory: its findings as verdicts and the `bisection` section. Throws as RunBisection.
nlohmann::json BuildBisectionReport(const BisectionRunOptions& options, const ProbeRegistry& registry);

// Checks the probes the stages would use (each a probe of this build, of the scope its stage needs) as RunBisection
// does, before anything is written: throws InputError naming the option at fault.
void CheckStageProbes(const BisectionRunOptions& options, const ProbeRegistry& registry);

// BuildBisectionReport, written as a bundle (signed, chained) in options.out_dir.
// Throws InputError for bad input (unknown probe, a probe of the wrong scope, bad files), RunError when the
// trials cannot be launched or the report cannot be written.
BisectionRunResult RunBisection(const BisectionRunOptions& options, const ProbeRegistry& registry);

}  // namespace kiln

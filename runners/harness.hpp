#pragma once
// `kiln run` on every rank: discover nodes, run the suite's phases in order under timeouts, gather
// results on rank 0 as they finish, evaluate them against the baseline, write the report.

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/baseline_selection.hpp"
#include "core/communicator.hpp"
#include "reports/signing.hpp"
#include "probes/registry.hpp"
#include "runners/hostfile.hpp"
#include "runners/suite.hpp"

namespace kiln {

struct HarnessResult;

struct RunOptions {
  std::string out_dir = "kiln-out";
  std::string cluster;            // name shown in the report; default: the first node's
  bool rank_as_node = false;      // each rank stands in for a node (tests, emulation)
  std::string launcher = "single";
  std::vector<HostEntry> hosts;   // from --hosts: every one must join the job
  std::string hosts_path;
  Environment env;
  bool quiet = false;             // no progress lines on stderr
  std::optional<KeyPair> sign_key;  // rank 0 signs report.json with it (report.json.minisig)
  std::string chain_dir;            // when set: link to the last report there, then add this one
  double duration_s = 0;            // > 0: burn-in: loop the suite until this much time has passed
  bool resume = false;              // continue the burn-in whose checkpoint is in out_dir
  bool force = false;               // out_dir holds an earlier report: move it aside instead of refusing
  const std::atomic<bool>* interrupted = nullptr;  // set on SIGINT/SIGTERM: stop cleanly, report what is done
  int interrupted_fd = -1;  // readable once `interrupted` is set (an eventfd): watches sleep on it, not poll the flag
  // Rank 0, when a step hung and the watchdog ends the job (RunHarness does not return then): prints the summary
  // and runs the epilogue as a finished run would; returns the exit code.
  std::function<int(const HarnessResult&)> finish;
};

struct HarnessResult {
  int exit_code = 0;              // rank 0: the run's exit code (0, 1, or 3 when the report cannot be written); 0 elsewhere
  bool abandoned_work = false;    // some rank left a hung probe thread behind: do not MPI_Finalize
  std::string report_path;        // rank 0 only
  std::string summary;            // rank 0 only: the terminal summary
};

// Every rank of `world` calls it. Throws RunError when the output cannot be written.
// `baseline` is chosen at the end of each iteration, from what the health probe found when it is auto.
HarnessResult RunHarness(std::shared_ptr<Communicator> world, const Suite& suite, const BaselineChoice& baseline,
                         const ProbeRegistry& registry, const RunOptions& options);

}  // namespace kiln

#pragma once
// A probe: a named procedure with typed parameters and a scope, that measures or says why it could not.

#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "core/communicator.hpp"
#include "core/measurement.hpp"
#include "core/parameters.hpp"

namespace kiln {

enum class Scope {
  kNode,   // runs on each node on its own (one rank per node)
  kPair,   // runs on two nodes at once (one rank each)
  kGroup,  // runs on every rank of a group
};
std::string_view ToString(Scope scope);

struct MetricSpec {
  std::string name;  // family.metric
  std::string unit;
  bool higher_is_better = true;
  std::string description;
  // A correctness counter (wrong elements, wrong bytes): any non-zero value fails, whatever the baseline.
  bool correctness = false;
};

// The telemetry a failing or warning verdict's cause is read from (core/telemetry_cause.hpp): series recorded on
// the verdict's device by the same probe. When `phase_label` is set, the series carrying the verdict's value of
// that label (the samples taken while that GEMM type ran) are read before the whole-run ones.
struct CauseSeries {
  std::string verdict_metric{};  // the performance metric explained; empty: the probe has no cause line
  std::string phase_label{};
  std::string power{}, sm_clock{}, temperature{};  // samples
  std::string power_limit{}, sm_clock_max{};       // one value each
  std::string throttle_share{};                    // % of samples, label reason=...
};

// The part a probe plays in `kiln bisect` when the command line names none.
enum class BisectionDefault {
  kNone,
  kExplained,  // the probe whose failure is bisected (--probe)
  kNodeStage,  // a stage-1 node probe (--node-probe)
  kPairStage,  // the stage-2 pair probe under a group probe (--pair-probe)
};

// What other layers ask of a probe, declared by the probe itself so that none of them spells its name. Every
// member has a default, so that a probe names only what it declares ({.failure_category = "network"}).
struct ProbeTraits {
  // The stability report's category of its failures ("GPU", "HBM", "NVLink", "PCIe", "network", "software");
  // empty: "host". `metric_categories` come first: a failing metric containing `part` counts under `category`.
  std::string failure_category{};
  struct MetricCategory {
    std::string part, category;
  };
  std::vector<MetricCategory> metric_categories{};
  bool inventories = false;  // finds what a node is (runs in the suite's health phase; shape checks need it)
  BisectionDefault bisection = BisectionDefault::kNone;
  // Node trials of a bisection compare this metric across the nodes (a rate the trials beside it do not change).
  std::string peer_metric{};
  CauseSeries cause{};
};

// Where to find the machine's files and tools; tests point these at fakes.
struct Environment {
  std::string sysfs_root = "/sys";
  std::string procfs_root = "/proc";
  std::string etc_root = "/etc";
  std::string nvml_library = "libnvidia-ml.so.1";
  std::string kernel_log = "/dev/kmsg";  // where XID events are read from
  std::string ib_write_bw = "ib_write_bw";  // perftest programs (PATH is searched)
  std::string ib_write_lat = "ib_write_lat";
};

// What a long probe is doing now ("bf16: 681 TFLOPS, pass 3"), for the run's heartbeat lines. The probe's thread
// says it; the harness reads it every few seconds. Thread-safe.
class ProbeProgress {
 public:
  void Say(std::string text) {
    std::lock_guard lock(mutex_);
    text_ = std::move(text);
  }
  std::string Latest() const {
    std::lock_guard lock(mutex_);
    return text_;
  }

 private:
  mutable std::mutex mutex_;
  std::string text_;
};

struct ProbeContext {
  std::string node;                     // this rank's node name
  int node_index = 0;                   // its place among the job's nodes (0..nodes-1)
  std::vector<std::string> members;     // node name of each rank of `comm`, in rank order
  std::shared_ptr<Communicator> comm;   // node scope: this rank alone; pair: 2 ranks; group: all
  Parameters params;
  Environment env;
  std::chrono::steady_clock::time_point deadline;
  std::stop_token stop;                 // set when the step ran past its timeout
  std::shared_ptr<ProbeProgress> progress = std::make_shared<ProbeProgress>();
};

enum class ProbeStatus { kMeasured, kSkipped, kError };

struct ProbeOutcome {
  ProbeStatus status = ProbeStatus::kMeasured;
  std::string reason;  // why skipped or what went wrong
  std::vector<Measurement> measurements;
  nlohmann::json inventory;  // what the node is (health probe); null otherwise

  static ProbeOutcome Skipped(std::string reason) { return {ProbeStatus::kSkipped, std::move(reason), {}, {}}; }
  static ProbeOutcome Error(std::string reason) { return {ProbeStatus::kError, std::move(reason), {}, {}}; }
};

class Probe {
 public:
  virtual ~Probe() = default;
  virtual std::string Name() const = 0;
  virtual std::string Description() const = 0;  // one line; what `kiln list probes` prints
  virtual Scope scope() const = 0;
  virtual std::vector<ParamSpec> Parameters() const { return {}; }
  virtual std::vector<MetricSpec> Metrics() const = 0;
  // What other layers ask of it by name (history category, bisection defaults, cause series); none by default.
  virtual ProbeTraits Traits() const { return {}; }
  // Whether the parameters can work at all, without touching the machine (sizes the probe cannot use, a zero
  // count): a reason makes the suite file invalid when it is loaded (exit 2, naming file and line), rather than
  // a step that fails at run time.
  virtual std::optional<std::string> CheckParameters(const kiln::Parameters&) const { return std::nullopt; }
  // The time the parameters ask the probe to spend measuring on a healthy machine (its `duration`, or samples
  // x sample time x sizes), 0 when they do not say: what plans and default timeouts scale with.
  virtual Seconds AskedTime(const kiln::Parameters& params) const;
  // Cheap check whether this machine can run the probe at all; a reason makes it skipped.
  // Called on every rank of ctx.comm; must not communicate.
  virtual std::optional<std::string> CheckSupported(const ProbeContext& ctx) const = 0;
  // Measures. Every rank of ctx.comm calls it together. Throws ProbeError (or any exception) on failure;
  // should return early when ctx.stop is requested.
  virtual ProbeOutcome Run(ProbeContext& ctx) = 0;
};

// A probe as the layers below the registry know it: what the judgement, history, causes, reports and bisection ask
// of it by name. The registry fills a catalog of them (probes/registry.hpp); core never includes probes/.
struct ProbeInfo {
  std::string probe;
  Scope scope = Scope::kNode;
  std::vector<MetricSpec> metrics;
  std::vector<ParamSpec> parameters;  // which of them choose a label's values (ParamSpec::label)
  ProbeTraits traits{};
  bool gpu_per_rank = false;  // a pair or group GPU probe: one GPU per rank (core/coverage's GPU gap)
};
using ProbeCatalog = std::vector<ProbeInfo>;

// The probe named `probe` in `catalog`, or nullptr.
const ProbeInfo* FindProbe(const ProbeCatalog& catalog, std::string_view probe);

}  // namespace kiln

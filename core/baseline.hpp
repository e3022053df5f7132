#pragma once
// Per-SKU expectations: metric pattern -> rule, each with the source of its number, the kind of that number
// (datasheet, a tool's gate, a Kiln measurement...), and when it applies. A baseline also declares the node
// shapes its GPU comes in (HGX 8-GPU board, 1-GPU VM...) and which GPUs it is for (--baseline auto).
// Format: docs/baselines.md.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/probe.hpp"
#include "core/verdict.hpp"

namespace kiln {

enum class RuleKind {
  kMin,         // value >= threshold
  kMax,         // value <= threshold
  kFraction,    // value >= fraction x reference (or <= for lower-is-better metrics)
  kMaxCv,       // sample spread: cv <= threshold
  kFleet,       // not more than k robust deviations (and min_drop) worse than the fleet median
  kEqual,       // value == threshold (counts, widths)
  kCountLimit,  // an event counter: value <= threshold
};

// What a rule's number is. A floor must be one a healthy GPU meets under sustained load: the loader refuses
// a failing floor taken from a datasheet peak or from a burst measurement.
enum class Basis {
  kUnstated,   // version 1 files
  kDatasheet,  // a vendor's specification (peak numbers, link counts)
  kToolGate,   // a public tool's pass gate (DCGM diag, Azure HPC health checks, nccl-tests) with its source
  kMeasured,   // measured by Kiln on a named device (measured_on says which, and whether sustained)
  kDerived,    // kiln baseline derive: from the reports of healthy nodes
  kEstimate,   // not yet confirmed on real hardware
  kPolicy,     // a sanity bound or a rule of the site ("below 1 GB/s memory is broken")
};

// When a rule applies; every condition must hold. Declarative on purpose: no expressions to evaluate.
struct Applicability {
  std::vector<std::string> shapes;  // only under these node shapes; empty: any (and no shape)
  int min_gpus = 0;                 // GPUs in the subject: per node, summed over a pair's or group's nodes
  int max_gpus = -1;                // -1: no upper limit
  int min_nodes = 0;                // nodes in the subject: 1 for a node, 2 for a pair, a group's size
  std::string gpu_model;            // glob over the GPU names the health probe found; empty: any
  bool Unconditional() const {
    return shapes.empty() && min_gpus == 0 && max_gpus < 0 && min_nodes == 0 && gpu_model.empty();
  }
};

struct Expectation {
  std::string metric_pattern;                 // glob: "host.stream.*"
  std::map<std::string, std::string> labels;  // all must match: {size: 256MiB}
  RuleKind rule = RuleKind::kMin;
  double threshold = 0;     // min/max/max_cv/equal/count_limit
  double reference = 0;     // fraction: the reference value
  double fraction = 1;      // fraction: share of the reference to reach
  double k = 3;             // fleet: robust deviations
  double min_drop = 0.05;   // fleet: a relative shortfall below this is never flagged
  int min_fleet = 3;        // fleet: fewer subjects than this and the rule does not apply
  std::string unit;         // optional; must equal the metric's unit
  Outcome severity = Outcome::kFail;  // what a broken rule gives: fail or warn
  std::string source;       // where the number comes from
  Basis basis = Basis::kUnstated;
  std::string measured_on;  // basis measured/derived: device, driver, power limit, date, sustained or burst
  Applicability applies;
  bool optional = false;    // not measured is reported, not failed
  std::string where;        // file:line, for messages
};

// A physical form of a node: what the board carries. A node whose shape differs fails once, clearly.
struct NodeShape {
  std::string name;         // "hgx-8gpu"
  std::string description;  // "HGX H200 8-GPU baseboard"
  int gpus = 0;
  int nvlinks_per_gpu = 0;  // active NVLinks on every GPU
  int ib_ports = 0;         // active InfiniBand ports on the node, at least (a storage rail may come on top)
  std::string source;
  std::string where;
};

struct Baseline {
  std::string sku;
  std::string description;
  std::string path;
  std::string sha256;  // of the file's bytes
  int version = 1;
  std::vector<std::string> gpu_models;  // globs of GPU names this baseline is for; "none": hosts without GPUs
  std::vector<NodeShape> shapes;
  std::string default_shape;            // the shape judged when none is asked for and none is detected
  std::vector<Expectation> expectations;
};

// Reads a baseline file; every metric pattern must match a metric some probe declares (`known`),
// units must agree, numbers must be valid, correctness counters are left to Kiln (judged once, always).
// Throws InputError naming file and line.
Baseline LoadBaseline(const std::string& path, const std::vector<MetricSpec>& known);

const NodeShape* FindShape(const Baseline& baseline, const std::string& name);

std::string_view ToString(RuleKind kind);
std::string_view ToString(Basis basis);
// "min 20 GB/s", "fleet k=3 drop>=5%": how the report names a rule.
std::string Describe(const Expectation& expectation);
// "applies to shapes hgx-8gpu, >= 8 GPUs": empty when unconditional.
std::string Describe(const Applicability& applies);
// "8 GPUs, 18 NVLinks each, 8 InfiniBand ports"
std::string Describe(const NodeShape& shape);
bool GlobMatches(const std::string& pattern, const std::string& text);

}  // namespace kiln

#pragma once
// `kiln baseline derive`: a baseline from the reports of nodes known to be healthy (SuperBench's
// generate-baseline, but declarative). Per metric and label set: the median over the subjects as reference, and a
// floor (a ceiling for lower-is-better metrics) k robust deviations away, at least min_drop of the median, and
// never tighter than the lowest healthy input. Every rule says how it was made and from which reports. The nodes
// must be of one kind (GPU model and node shape); the SKU's health gates (ECC, row remapping, XIDs, throttle
// faults, PCIe width) are written as rules of their own, and series no baseline judges get no floor.

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "core/probe.hpp"
#include "reports/baseline_derivation_input.hpp"

namespace kiln {

// A report parsed whole (kept for callers that hold one; ReadDerivationReport reads a file in far less memory).
struct DerivationInput {
  std::string path;
  nlohmann::json report;
  std::string sha256;  // of the file's bytes
};

struct DerivationOptions {
  std::string sku = "derived";
  double k = 4;            // robust deviations between the median and the floor
  double min_drop = 0.10;  // the floor is at least this share below the median
  int min_nodes = 3;       // fewer distinct nodes and the derivation is refused
  bool allow_failed = false;  // accept reports that did not pass
};

// The baseline file's text (version 2). Throws InputError naming the report or node at fault: a report that did
// not pass (unless allowed), nodes of different GPU models or shapes, a node without an inventory (or whose GPUs
// no driver answered for), PCIe widths that differ, fewer than min_nodes nodes, nothing to derive from.
std::string DeriveBaseline(const std::vector<DerivationReport>& inputs, const std::vector<MetricSpec>& metrics,
                           const DerivationOptions& options);
std::string DeriveBaseline(const std::vector<DerivationInput>& inputs, const std::vector<MetricSpec>& metrics,
                           const DerivationOptions& options);

}  // namespace kiln

#pragma once
// What the health probe found a node to be, in the terms node shapes and rules are stated in: GPUs (count,
// models), NVLinks per GPU, active InfiniBand ports, and why there is no GPU information when there is none.

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "core/measurement.hpp"
#include "core/node_inventory.hpp"

namespace kiln {

struct NodeFacts {
  std::string node;
  bool inventoried = false;           // the health probe reported on this node
  std::optional<int> gpus;            // GPUs the driver sees; nullopt when no driver answered
  std::vector<std::string> gpu_models;  // one per GPU, as NVML names them
  std::vector<int> nvlinks;           // active NVLinks per GPU; empty when NVML reported no NVLink
  int ib_ports_active = 0;
  int gpus_on_pci = 0;                // NVIDIA GPUs on the PCI bus, driver or not
  std::string no_gpu_reason;          // "no NVIDIA driver (libnvidia-ml.so.1 not found)"

  // "1 x NVIDIA H200, no NVLink, no InfiniBand port"; "no GPU (...)"
  std::string Describe() const;
  // A key that is equal for nodes of the same kind (models, counts, links).
  std::string Signature() const;
  int GpuCount() const { return gpus.value_or(0); }
};

// From a node's inventory (the health probe's, nullopt when it did not run) and the run's measurements.
NodeFacts FactsOfNode(const std::string& node, const std::optional<NodeInventory>& inventory,
                      const std::vector<Measurement>& measurements);
// The same from the inventory as a report holds it (null when the health probe did not run).
NodeFacts FactsOfNode(const std::string& node, const nlohmann::json& inventory,
                      const std::vector<Measurement>& measurements);

}  // namespace kiln

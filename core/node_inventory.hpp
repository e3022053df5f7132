#pragma once
// What the health probe found a node to be (its host, GPUs and InfiniBand ports), and the one JSON form of it that
// a report keeps as cluster.nodes[].inventory (docs/report-schema.md). The probe fills it; node facts, history,
// derive and the HTML page read its fields. Reading is lenient as the report format always was: a field a report
// leaves out takes the value an older report meant by leaving it out; a field of the wrong type throws
// nlohmann::json::type_error.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kiln {

struct IbPort {
  std::string device;  // mlx5_0
  int port = 1;
  std::string state;        // "ACTIVE" (from "4: ACTIVE")
  std::string phys_state;   // "LinkUp"
  double rate_gbps = 0;     // from "400 Gb/sec (4X NDR)"
  std::string link_layer;   // InfiniBand / Ethernet; a report without it (older ones) means InfiniBand
  std::string lid;          // "0x1a"; empty for RoCE or when unreadable
  int numa_node = -1;       // the HCA's NUMA node (device/numa_node), -1 when unknown
  std::string pci_address;  // "0000:18:00.0" (device link), empty when unknown

  bool ActiveInfiniBand() const { return state == "ACTIVE" && link_layer == "InfiniBand"; }
  bool operator==(const IbPort&) const = default;
};

struct GpuInfo {
  int index = 0;
  std::string name;    // as NVML names it; "" when NVML did not say, "?" in a report that leaves it out
  std::string uuid;
  std::string serial;  // empty when NVML does not report one
  std::string vbios;   // empty when NVML does not report one (or predates nvmlDeviceGetVbiosVersion)
  bool operator==(const GpuInfo&) const = default;
};

struct GpuInventory {
  bool available = false;  // NVML answered
  std::string reason;      // why not available: library missing, no driver, init failed
  std::string driver_version;
  std::vector<GpuInfo> devices;
  int pci_devices = 0;  // NVIDIA display/3D controllers on the PCI bus, whether or not a driver works
  bool operator==(const GpuInventory&) const = default;
};

struct NodeInventory {
  std::string cpu_model;
  int cpu_count = 0;
  std::optional<std::uint64_t> memory_bytes;
  std::string kernel;
  std::string os;
  std::string system_serial;  // DMI product serial (readable by root); empty when unknown
  std::string board_serial;   // DMI board serial; together with GPU serials, what tells a replaced node
  GpuInventory gpus;
  std::vector<IbPort> ib_ports;
  bool operator==(const NodeInventory&) const = default;
};

void to_json(nlohmann::json& j, const NodeInventory& inventory);
void from_json(const nlohmann::json& j, NodeInventory& inventory);

// A node's inventory as a report holds it: nullopt when there is none (null: the health probe did not report on
// the node; anything but an object counts as none, as it always did).
std::optional<NodeInventory> InventoryFromJson(const nlohmann::json& j);

}  // namespace kiln

#pragma once
// What a node is, read from /proc, /sys and /etc (roots configurable for tests).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/probe.hpp"

namespace kiln {

struct IbPort {
  std::string device;  // mlx5_0
  int port = 1;
  std::string state;        // "ACTIVE" (from "4: ACTIVE")
  std::string phys_state;   // "LinkUp"
  double rate_gbps = 0;     // from "400 Gb/sec (4X NDR)"
  std::string link_layer;   // InfiniBand / Ethernet
  std::string lid;          // "0x1a"; empty for RoCE or when unreadable
  int numa_node = -1;       // the HCA's NUMA node (device/numa_node), -1 when unknown
  std::string pci_address;  // "0000:18:00.0" (device link), empty when unknown
};

struct HostInventory {
  std::string cpu_model;
  int cpu_count = 0;
  std::optional<std::uint64_t> memory_bytes;
  std::string kernel;
  std::string os;
  std::string system_serial;  // DMI product serial (readable by root); empty when unknown
  std::string board_serial;   // DMI board serial; together with GPU serials, what tells a replaced node
  std::vector<IbPort> ib_ports;
  int nvidia_gpus_on_pci = 0;  // NVIDIA display/3D controllers on the PCI bus, whether or not a driver works
};

HostInventory ReadHostInventory(const Environment& env);
std::vector<IbPort> ReadIbPorts(const std::string& sysfs_root);
// NVIDIA GPUs on the PCI bus (vendor 0x10de, class 0x0300 or 0x0302): what tells "no GPU" from "GPU, no driver".
int CountNvidiaGpusOnPci(const std::string& sysfs_root);

// "4: ACTIVE" -> "ACTIVE"; "400 Gb/sec (4X NDR)" -> 400.
std::string StripStateNumber(const std::string& text);
double ParseRateGbps(const std::string& text);

}  // namespace kiln

#pragma once
// What a node is (core/node_inventory.hpp), read from /proc, /sys, /etc and NVML (roots configurable for tests).

#include <string>
#include <vector>

#include "core/node_inventory.hpp"
#include "core/probe.hpp"

namespace kiln {

// The host's part, from /proc, /sys and /etc: CPU, memory, kernel, OS, serials, InfiniBand ports (gpus left empty).
NodeInventory ReadHostInventory(const Environment& env);
// All of it: the host's part, the GPUs NVML lists (Environment::nvml_library) and the NVIDIA GPUs on the PCI bus.
NodeInventory ReadNodeInventory(const Environment& env);
std::vector<IbPort> ReadIbPorts(const std::string& sysfs_root);
// NVIDIA GPUs on the PCI bus (vendor 0x10de, class 0x0300 or 0x0302): what tells "no GPU" from "GPU, no driver".
int CountNvidiaGpusOnPci(const std::string& sysfs_root);

// "4: ACTIVE" -> "ACTIVE"; "400 Gb/sec (4X NDR)" -> 400.
std::string StripStateNumber(const std::string& text);
double ParseRateGbps(const std::string& text);

}  // namespace kiln

#pragma once
// NVML loaded at run time with dlopen: no link-time dependency on the driver. Only the functions Kiln
// uses are declared, with the signatures of NVIDIA's NVML API reference.

#include <string>

#include "core/node_inventory.hpp"

namespace kiln {

// Loads `library` (e.g. libnvidia-ml.so.1), initialises NVML and lists the GPUs (pci_devices left at 0); never throws.
GpuInventory ReadGpuInventory(const std::string& library);

}  // namespace kiln

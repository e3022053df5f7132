#pragma once
// NVML loaded at run time with dlopen: no link-time dependency on the driver. Only the functions Kiln
// uses are declared, with the signatures of NVIDIA's NVML API reference.

#include <optional>
#include <string>
#include <vector>

namespace kiln {

struct GpuInfo {
  int index = 0;
  std::string name;
  std::string uuid;
  std::string serial;  // empty when NVML does not report one
  std::string vbios;   // empty when NVML does not report one (or predates nvmlDeviceGetVbiosVersion)
};

struct GpuInventory {
  bool available = false;
  std::string reason;  // why not available: library missing, no driver, init failed
  std::string driver_version;
  std::vector<GpuInfo> gpus;
};

// Loads `library` (e.g. libnvidia-ml.so.1), initialises NVML and lists the GPUs; never throws.
GpuInventory ReadGpuInventory(const std::string& library);

}  // namespace kiln

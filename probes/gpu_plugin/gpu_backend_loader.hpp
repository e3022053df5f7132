#pragma once

#include <string>

#include "probes/gpu_plugin/gpu_backend.hpp"

namespace kiln {

struct LoadedGpuBackend {
  GpuBackend* backend = nullptr;  // process-lifetime; nullptr when not loaded
  std::string error;              // why not
  std::string path;               // the plugin file loaded
};

// Loads libkiln_gpu.so once per process: from $KILN_GPU_PLUGIN, next to the executable (../lib), or the build
// tree. Thread-safe.
const LoadedGpuBackend& LoadGpuBackend();

}  // namespace kiln

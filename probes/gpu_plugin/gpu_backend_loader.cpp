#include "probes/gpu_plugin/gpu_backend_loader.hpp"

#include <dlfcn.h>
#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

namespace kiln {
namespace {

LoadedGpuBackend Load() {
  LoadedGpuBackend loaded;
#ifndef KILN_GPU_PLUGIN_BUILT
  loaded.error = "this kiln was built without CUDA (no toolkit found at build time)";
  return loaded;
#else
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("KILN_GPU_PLUGIN"); env != nullptr && *env != '\0') candidates.push_back(env);
  std::error_code error;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error) candidates.push_back((exe.parent_path().parent_path() / "lib" / "libkiln_gpu.so").string());
  candidates.push_back(KILN_GPU_PLUGIN_BUILT);
  std::string reasons;
  for (const std::string& path : candidates) {
    if (!std::filesystem::exists(path, error)) continue;
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      const char* why = ::dlerror();
      reasons += fmt::format("{}{}", reasons.empty() ? "" : "; ", why ? why : path);
      continue;
    }
    auto entry = reinterpret_cast<GpuBackend* (*)()>(::dlsym(handle, "KilnGpuBackend"));
    if (entry == nullptr) {
      reasons += fmt::format("{}{} has no KilnGpuBackend", reasons.empty() ? "" : "; ", path);
      continue;
    }
    loaded.backend = entry();
    loaded.path = path;
    return loaded;
  }
  loaded.error = reasons.empty() ? "GPU plugin libkiln_gpu.so not found (set KILN_GPU_PLUGIN)"
                                 : fmt::format("cannot load the GPU plugin: {}", reasons);
  return loaded;
#endif
}

}  // namespace

const LoadedGpuBackend& LoadGpuBackend() {
  static const LoadedGpuBackend loaded = Load();
  return loaded;
}

}  // namespace kiln

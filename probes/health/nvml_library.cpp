#include "probes/health/nvml_library.hpp"

#include <dlfcn.h>
#include <fmt/format.h>

namespace kiln {
namespace {

using nvmlReturn_t = int;
using nvmlDevice_t = struct nvmlDevice_st*;
constexpr nvmlReturn_t kNvmlSuccess = 0;

struct NvmlApi {
  nvmlReturn_t (*init)() = nullptr;
  nvmlReturn_t (*shutdown)() = nullptr;
  const char* (*error_string)(nvmlReturn_t) = nullptr;
  nvmlReturn_t (*device_count)(unsigned int*) = nullptr;
  nvmlReturn_t (*handle_by_index)(unsigned int, nvmlDevice_t*) = nullptr;
  nvmlReturn_t (*name)(nvmlDevice_t, char*, unsigned int) = nullptr;
  nvmlReturn_t (*uuid)(nvmlDevice_t, char*, unsigned int) = nullptr;
  nvmlReturn_t (*serial)(nvmlDevice_t, char*, unsigned int) = nullptr;
  nvmlReturn_t (*driver_version)(char*, unsigned int) = nullptr;
  nvmlReturn_t (*vbios)(nvmlDevice_t, char*, unsigned int) = nullptr;  // optional
};

template <typename F>
bool Bind(void* library, const char* symbol, F& function) {
  function = reinterpret_cast<F>(::dlsym(library, symbol));
  return function != nullptr;
}

class LibraryHandle {
 public:
  explicit LibraryHandle(const std::string& path) : handle_(::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)) {}
  ~LibraryHandle() {
    if (handle_ != nullptr) ::dlclose(handle_);
  }
  LibraryHandle(const LibraryHandle&) = delete;
  LibraryHandle& operator=(const LibraryHandle&) = delete;
  void* get() const { return handle_; }

 private:
  void* handle_;
};

}  // namespace

GpuInventory ReadGpuInventory(const std::string& library) {
  GpuInventory inventory;
  LibraryHandle handle(library);
  if (handle.get() == nullptr) {
    const char* error = ::dlerror();
    inventory.reason = fmt::format("NVML not loadable ({}): no NVIDIA driver installed", error ? error : library);
    return inventory;
  }
  NvmlApi api;
  bool bound = Bind(handle.get(), "nvmlInit_v2", api.init) && Bind(handle.get(), "nvmlShutdown", api.shutdown) &&
               Bind(handle.get(), "nvmlErrorString", api.error_string) &&
               Bind(handle.get(), "nvmlDeviceGetCount_v2", api.device_count) &&
               Bind(handle.get(), "nvmlDeviceGetHandleByIndex_v2", api.handle_by_index) &&
               Bind(handle.get(), "nvmlDeviceGetName", api.name) &&
               Bind(handle.get(), "nvmlDeviceGetUUID", api.uuid) &&
               Bind(handle.get(), "nvmlDeviceGetSerial", api.serial) &&
               Bind(handle.get(), "nvmlSystemGetDriverVersion", api.driver_version);
  Bind(handle.get(), "nvmlDeviceGetVbiosVersion", api.vbios);  // optional: not every driver has it
  if (!bound) {
    inventory.reason = fmt::format("{} lacks an NVML function Kiln needs: driver too old", library);
    return inventory;
  }
  if (nvmlReturn_t rc = api.init(); rc != kNvmlSuccess) {
    inventory.reason = fmt::format("nvmlInit failed: {}", api.error_string(rc));
    return inventory;
  }
  char text[96];
  if (api.driver_version(text, sizeof text) == kNvmlSuccess) inventory.driver_version = text;
  unsigned int count = 0;
  if (nvmlReturn_t rc = api.device_count(&count); rc != kNvmlSuccess) {
    inventory.reason = fmt::format("nvmlDeviceGetCount failed: {}", api.error_string(rc));
    api.shutdown();
    return inventory;
  }
  for (unsigned int i = 0; i < count; ++i) {
    GpuInfo gpu;
    gpu.index = static_cast<int>(i);
    nvmlDevice_t device = nullptr;
    if (api.handle_by_index(i, &device) != kNvmlSuccess) continue;
    if (api.name(device, text, sizeof text) == kNvmlSuccess) gpu.name = text;
    if (api.uuid(device, text, sizeof text) == kNvmlSuccess) gpu.uuid = text;
    if (api.serial(device, text, sizeof text) == kNvmlSuccess) gpu.serial = text;
    if (api.vbios && api.vbios(device, text, sizeof text) == kNvmlSuccess) gpu.vbios = text;
    inventory.devices.push_back(std::move(gpu));
  }
  api.shutdown();
  inventory.available = true;
  return inventory;
}

}  // namespace kiln

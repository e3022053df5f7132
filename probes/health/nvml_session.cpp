#include "probes/health/nvml_session.hpp"

#include <dlfcn.h>
#include <fmt/format.h>

namespace kiln {
namespace {

// Types and constants as NVIDIA's NVML API reference defines them (nvml.h), declared here so that Kiln builds
// without the driver's headers.
using nvmlReturn_t = int;
using nvmlDevice_t = struct nvmlDevice_st*;
using nvmlEnableState_t = int;  // NVML_FEATURE_DISABLED 0, NVML_FEATURE_ENABLED 1
using nvmlEventSet_t = struct nvmlEventSet_st*;
constexpr nvmlReturn_t kSuccess = 0;
constexpr nvmlReturn_t kNotSupported = 3;       // NVML_ERROR_NOT_SUPPORTED
constexpr nvmlReturn_t kTimeout = 10;           // NVML_ERROR_TIMEOUT: no event waiting
constexpr nvmlReturn_t kFunctionNotFound = 13;  // NVML_ERROR_FUNCTION_NOT_FOUND
constexpr unsigned long long kEventXid = 0x8;   // nvmlEventTypeXidCriticalError
constexpr int kMaxEventsPerLook = 1024;         // a driver that never runs dry does not hold the collector
constexpr int kTemperatureGpu = 0;        // NVML_TEMPERATURE_GPU
constexpr int kClockSm = 1;               // NVML_CLOCK_SM
constexpr int kErrorCorrected = 0;        // NVML_MEMORY_ERROR_TYPE_CORRECTED
constexpr int kErrorUncorrected = 1;      // NVML_MEMORY_ERROR_TYPE_UNCORRECTED
constexpr int kVolatileEcc = 0;           // NVML_VOLATILE_ECC
constexpr int kAggregateEcc = 1;          // NVML_AGGREGATE_ECC
constexpr unsigned kNvlinkMaxLinks = 18;  // NVML_NVLINK_MAX_LINKS

struct PciInfo {  // nvmlPciInfo_t (v3 layout)
  char bus_id_legacy[16];
  unsigned domain, bus, device, pci_device_id, pci_subsystem_id;
  char bus_id[32];
};

struct EventData {  // nvmlEventData_t (the _v2 wait's layout; the older one is its prefix)
  nvmlDevice_t device;
  unsigned long long event_type;
  unsigned long long event_data;  // the XID
  unsigned gpu_instance_id, compute_instance_id;
};

template <typename F>
F Symbol(void* library, const char* name) {
  return reinterpret_cast<F>(::dlsym(library, name));
}

// Calls NVML functions that may be absent, keeping the first failure that is not "this GPU or driver lacks it"
// (e.g. "GPU is lost"); after one, the rest are not called (a lost GPU may answer each call slowly).
class Calls {
 public:
  Calls(const char* (*error_string)(nvmlReturn_t), std::string& error) : error_string_(error_string), error_(error) {}
  bool Ok(const char* name, nvmlReturn_t rc) {
    if (rc == kSuccess) return true;
    if (rc != kNotSupported && rc != kFunctionNotFound && error_.empty()) {
      error_ = fmt::format("{}: {}", name, error_string_(rc));
    }
    return false;
  }
  template <typename F, typename... Args>
  bool Call(const char* name, F function, Args... args) {
    if (function == nullptr || !error_.empty()) return false;
    return Ok(name, function(args...));
  }

 private:
  const char* (*error_string_)(nvmlReturn_t);
  std::string& error_;
};

}  // namespace

struct NvmlSession::Api {
  nvmlReturn_t (*init)() = nullptr;
  nvmlReturn_t (*shutdown)() = nullptr;
  const char* (*error_string)(nvmlReturn_t) = nullptr;
  nvmlReturn_t (*count)(unsigned*) = nullptr;
  nvmlReturn_t (*handle)(unsigned, nvmlDevice_t*) = nullptr;
  nvmlReturn_t (*temperature)(nvmlDevice_t, int, unsigned*) = nullptr;
  nvmlReturn_t (*power)(nvmlDevice_t, unsigned*) = nullptr;
  nvmlReturn_t (*clock)(nvmlDevice_t, int, unsigned*) = nullptr;
  nvmlReturn_t (*throttle)(nvmlDevice_t, unsigned long long*) = nullptr;
  nvmlReturn_t (*power_limit)(nvmlDevice_t, unsigned*) = nullptr;
  nvmlReturn_t (*max_clock)(nvmlDevice_t, int, unsigned*) = nullptr;
  nvmlReturn_t (*persistence)(nvmlDevice_t, nvmlEnableState_t*) = nullptr;
  nvmlReturn_t (*ecc_mode)(nvmlDevice_t, nvmlEnableState_t*, nvmlEnableState_t*) = nullptr;
  nvmlReturn_t (*ecc_errors)(nvmlDevice_t, int, int, unsigned long long*) = nullptr;
  nvmlReturn_t (*remapped_rows)(nvmlDevice_t, unsigned*, unsigned*, unsigned*, unsigned*) = nullptr;
  nvmlReturn_t (*pcie_gen)(nvmlDevice_t, unsigned*) = nullptr;
  nvmlReturn_t (*pcie_gen_max)(nvmlDevice_t, unsigned*) = nullptr;
  nvmlReturn_t (*pcie_width)(nvmlDevice_t, unsigned*) = nullptr;
  nvmlReturn_t (*pcie_width_max)(nvmlDevice_t, unsigned*) = nullptr;
  nvmlReturn_t (*nvlink_state)(nvmlDevice_t, unsigned, nvmlEnableState_t*) = nullptr;
  nvmlReturn_t (*vbios)(nvmlDevice_t, char*, unsigned) = nullptr;
  nvmlReturn_t (*pci_info)(nvmlDevice_t, PciInfo*) = nullptr;
  nvmlReturn_t (*pcie_replays)(nvmlDevice_t, unsigned*) = nullptr;
  nvmlReturn_t (*event_set_create)(nvmlEventSet_t*) = nullptr;
  nvmlReturn_t (*register_events)(nvmlDevice_t, unsigned long long, nvmlEventSet_t) = nullptr;
  nvmlReturn_t (*event_wait)(nvmlEventSet_t, EventData*, unsigned) = nullptr;
  nvmlReturn_t (*event_set_free)(nvmlEventSet_t) = nullptr;

  struct XidWatch {
    nvmlEventSet_t set = nullptr;
    bool unsupported = false;  // the GPU or driver cannot: not asked again
  };
  std::vector<XidWatch> xid_watches;  // by GPU index

  nvmlDevice_t Device(int index) const {
    nvmlDevice_t device = nullptr;
    if (handle(static_cast<unsigned>(index), &device) != kSuccess) return nullptr;
    return device;
  }
};

std::unique_ptr<NvmlSession> NvmlSession::Open(const std::string& library, std::string* why) {
  void* handle = ::dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* error = ::dlerror();
    *why = fmt::format("NVML not loadable ({})", error ? error : library);
    return nullptr;
  }
  std::unique_ptr<NvmlSession> session(new NvmlSession());
  session->library_ = handle;
  session->api_ = std::make_unique<Api>();
  Api& a = *session->api_;
  a.init = Symbol<decltype(a.init)>(handle, "nvmlInit_v2");
  a.shutdown = Symbol<decltype(a.shutdown)>(handle, "nvmlShutdown");
  a.error_string = Symbol<decltype(a.error_string)>(handle, "nvmlErrorString");
  a.count = Symbol<decltype(a.count)>(handle, "nvmlDeviceGetCount_v2");
  a.handle = Symbol<decltype(a.handle)>(handle, "nvmlDeviceGetHandleByIndex_v2");
  a.temperature = Symbol<decltype(a.temperature)>(handle, "nvmlDeviceGetTemperature");
  a.power = Symbol<decltype(a.power)>(handle, "nvmlDeviceGetPowerUsage");
  a.clock = Symbol<decltype(a.clock)>(handle, "nvmlDeviceGetClockInfo");
  a.throttle = Symbol<decltype(a.throttle)>(handle, "nvmlDeviceGetCurrentClocksEventReasons");
  if (a.throttle == nullptr) a.throttle = Symbol<decltype(a.throttle)>(handle, "nvmlDeviceGetCurrentClocksThrottleReasons");
  a.power_limit = Symbol<decltype(a.power_limit)>(handle, "nvmlDeviceGetEnforcedPowerLimit");
  a.max_clock = Symbol<decltype(a.max_clock)>(handle, "nvmlDeviceGetMaxClockInfo");
  a.persistence = Symbol<decltype(a.persistence)>(handle, "nvmlDeviceGetPersistenceMode");
  a.ecc_mode = Symbol<decltype(a.ecc_mode)>(handle, "nvmlDeviceGetEccMode");
  a.ecc_errors = Symbol<decltype(a.ecc_errors)>(handle, "nvmlDeviceGetTotalEccErrors");
  a.remapped_rows = Symbol<decltype(a.remapped_rows)>(handle, "nvmlDeviceGetRemappedRows");
  a.pcie_gen = Symbol<decltype(a.pcie_gen)>(handle, "nvmlDeviceGetCurrPcieLinkGeneration");
  a.pcie_gen_max = Symbol<decltype(a.pcie_gen_max)>(handle, "nvmlDeviceGetMaxPcieLinkGeneration");
  a.pcie_width = Symbol<decltype(a.pcie_width)>(handle, "nvmlDeviceGetCurrPcieLinkWidth");
  a.pcie_width_max = Symbol<decltype(a.pcie_width_max)>(handle, "nvmlDeviceGetMaxPcieLinkWidth");
  a.nvlink_state = Symbol<decltype(a.nvlink_state)>(handle, "nvmlDeviceGetNvLinkState");
  a.vbios = Symbol<decltype(a.vbios)>(handle, "nvmlDeviceGetVbiosVersion");
  a.pci_info = Symbol<decltype(a.pci_info)>(handle, "nvmlDeviceGetPciInfo_v3");
  a.pcie_replays = Symbol<decltype(a.pcie_replays)>(handle, "nvmlDeviceGetPcieReplayCounter");
  a.event_set_create = Symbol<decltype(a.event_set_create)>(handle, "nvmlEventSetCreate");
  a.register_events = Symbol<decltype(a.register_events)>(handle, "nvmlDeviceRegisterEvents");
  a.event_wait = Symbol<decltype(a.event_wait)>(handle, "nvmlEventSetWait_v2");
  if (a.event_wait == nullptr) a.event_wait = Symbol<decltype(a.event_wait)>(handle, "nvmlEventSetWait");
  a.event_set_free = Symbol<decltype(a.event_set_free)>(handle, "nvmlEventSetFree");
  if (!a.init || !a.shutdown || !a.error_string || !a.count || !a.handle) {
    *why = fmt::format("{} lacks the basic NVML functions: driver too old", library);
    return nullptr;  // the destructor does not shut down what was never initialised
  }
  if (nvmlReturn_t rc = a.init(); rc != kSuccess) {
    *why = fmt::format("nvmlInit failed: {}", a.error_string(rc));
    a.shutdown = nullptr;
    return nullptr;
  }
  return session;
}

NvmlSession::~NvmlSession() {
  if (api_ && api_->shutdown) {
    for (const Api::XidWatch& watch : api_->xid_watches) {
      if (watch.set != nullptr && api_->event_set_free) api_->event_set_free(watch.set);
    }
    api_->shutdown();
  }
  if (library_ != nullptr) ::dlclose(library_);
}

int NvmlSession::DeviceCount() const {
  unsigned count = 0;
  return api_->count(&count) == kSuccess ? static_cast<int>(count) : 0;
}

GpuSample NvmlSession::Sample(int index) const {
  GpuSample s;
  nvmlDevice_t d = api_->Device(index);
  if (d == nullptr) return s;
  unsigned value = 0;
  unsigned long long reasons = 0;
  if (api_->temperature && api_->temperature(d, kTemperatureGpu, &value) == kSuccess) s.temperature_c = value;
  if (api_->power && api_->power(d, &value) == kSuccess) s.power_w = value / 1000.0;  // milliwatts
  if (api_->clock && api_->clock(d, kClockSm, &value) == kSuccess) s.sm_clock_mhz = value;
  if (api_->throttle && api_->throttle(d, &reasons) == kSuccess) s.throttle_reasons = reasons;
  if (api_->power_limit && api_->power_limit(d, &value) == kSuccess) s.power_limit_w = value / 1000.0;  // milliwatts
  if (api_->max_clock && api_->max_clock(d, kClockSm, &value) == kSuccess) s.sm_clock_max_mhz = value;
  return s;
}

GpuHealth NvmlSession::Health(int index) const {
  GpuHealth h;
  nvmlDevice_t d = api_->Device(index);
  if (d == nullptr) return h;
  nvmlEnableState_t state = 0, pending = 0;
  unsigned long long count = 0;
  unsigned value = 0;
  if (api_->persistence && api_->persistence(d, &state) == kSuccess) h.persistence_mode = state == 1;
  if (api_->ecc_mode && api_->ecc_mode(d, &state, &pending) == kSuccess) h.ecc_enabled = state == 1;
  if (api_->ecc_errors) {
    if (api_->ecc_errors(d, kErrorUncorrected, kVolatileEcc, &count) == kSuccess) h.ecc_uncorrected_volatile = count;
    if (api_->ecc_errors(d, kErrorUncorrected, kAggregateEcc, &count) == kSuccess) h.ecc_uncorrected_aggregate = count;
    if (api_->ecc_errors(d, kErrorCorrected, kVolatileEcc, &count) == kSuccess) h.ecc_corrected_volatile = count;
  }
  unsigned corrected = 0, uncorrected = 0, is_pending = 0, failed = 0;
  if (api_->remapped_rows && api_->remapped_rows(d, &corrected, &uncorrected, &is_pending, &failed) == kSuccess) {
    h.remapped_rows_uncorrectable = uncorrected;
    h.remap_pending = is_pending != 0;
    h.remap_failed = failed != 0;
  }
  if (api_->pcie_gen && api_->pcie_gen(d, &value) == kSuccess) h.pcie_gen_current = value;
  if (api_->pcie_gen_max && api_->pcie_gen_max(d, &value) == kSuccess) h.pcie_gen_max = value;
  if (api_->pcie_width && api_->pcie_width(d, &value) == kSuccess) h.pcie_width_current = value;
  if (api_->pcie_width_max && api_->pcie_width_max(d, &value) == kSuccess) h.pcie_width_max = value;
  if (api_->nvlink_state) {
    int active = 0, total = 0;
    for (unsigned link = 0; link < kNvlinkMaxLinks; ++link) {
      if (api_->nvlink_state(d, link, &state) != kSuccess) continue;  // link does not exist on this GPU
      ++total;
      active += state == 1;
    }
    h.nvlinks_active = active;
    h.nvlinks_total = total;
  }
  char text[96] = {};
  if (api_->vbios && api_->vbios(d, text, sizeof text) == kSuccess) h.vbios = text;
  PciInfo pci{};
  if (api_->pci_info && api_->pci_info(d, &pci) == kSuccess) h.pci_bus_id = pci.bus_id;
  return h;
}

GpuCounters NvmlSession::Counters(int index) const {
  GpuCounters c;
  const Api& a = *api_;
  Calls calls(a.error_string, c.error);
  nvmlDevice_t d = nullptr;
  if (!calls.Call("nvmlDeviceGetHandleByIndex_v2", a.handle, static_cast<unsigned>(index), &d)) return c;
  unsigned value = 0;
  unsigned long long count = 0;
  if (calls.Call("nvmlDeviceGetTemperature", a.temperature, d, kTemperatureGpu, &value)) c.temperature_c = value;
  if (calls.Call("nvmlDeviceGetPowerUsage", a.power, d, &value)) c.power_w = value / 1000.0;  // milliwatts
  if (calls.Call("nvmlDeviceGetClockInfo", a.clock, d, kClockSm, &value)) c.sm_clock_mhz = value;
  if (calls.Call("nvmlDeviceGetCurrentClocksEventReasons", a.throttle, d, &count)) c.throttle_reasons = count;
  const char* ecc = "nvmlDeviceGetTotalEccErrors";
  if (calls.Call(ecc, a.ecc_errors, d, kErrorCorrected, kVolatileEcc, &count)) c.ecc_corrected_volatile = count;
  if (calls.Call(ecc, a.ecc_errors, d, kErrorUncorrected, kVolatileEcc, &count)) c.ecc_uncorrected_volatile = count;
  if (calls.Call(ecc, a.ecc_errors, d, kErrorUncorrected, kAggregateEcc, &count)) c.ecc_uncorrected_aggregate = count;
  unsigned corrected = 0, uncorrected = 0, pending = 0, failed = 0;
  if (calls.Call("nvmlDeviceGetRemappedRows", a.remapped_rows, d, &corrected, &uncorrected, &pending, &failed)) {
    c.remapped_rows_correctable = corrected;
    c.remapped_rows_uncorrectable = uncorrected;
    c.remap_pending = pending != 0;
    c.remap_failed = failed != 0;
  }
  if (calls.Call("nvmlDeviceGetPcieReplayCounter", a.pcie_replays, d, &value)) c.pcie_replays = value;
  if (calls.Call("nvmlDeviceGetCurrPcieLinkWidth", a.pcie_width, d, &value)) c.pcie_width_current = value;
  return c;
}

XidEvents NvmlSession::TakeXidEvents(int index) {
  XidEvents events;
  Api& a = *api_;
  if (!a.event_set_create || !a.register_events || !a.event_wait || !a.event_set_free) return events;  // too old
  if (a.xid_watches.size() <= static_cast<std::size_t>(index)) a.xid_watches.resize(static_cast<std::size_t>(index) + 1);
  Api::XidWatch& watch = a.xid_watches[static_cast<std::size_t>(index)];
  if (watch.unsupported) return events;
  Calls calls(a.error_string, events.error);
  if (watch.set == nullptr) {  // a GPU that failed here is asked again next time: it may answer then
    nvmlDevice_t d = nullptr;
    nvmlEventSet_t set = nullptr;
    if (!calls.Call("nvmlDeviceGetHandleByIndex_v2", a.handle, static_cast<unsigned>(index), &d)) return events;
    if (!calls.Call("nvmlEventSetCreate", a.event_set_create, &set)) {
      watch.unsupported = events.error.empty();
      return events;
    }
    if (!calls.Call("nvmlDeviceRegisterEvents", a.register_events, d, kEventXid, set)) {
      a.event_set_free(set);
      watch.unsupported = events.error.empty();
      return events;
    }
    watch.set = set;
  }
  events.watched = true;
  for (int taken = 0; taken < kMaxEventsPerLook; ++taken) {
    EventData data{};
    nvmlReturn_t rc = a.event_wait(watch.set, &data, 0);
    if (rc == kTimeout || !calls.Ok("nvmlEventSetWait_v2", rc)) break;
    if ((data.event_type & kEventXid) != 0) events.xids.push_back(data.event_data);
  }
  return events;
}

}  // namespace kiln

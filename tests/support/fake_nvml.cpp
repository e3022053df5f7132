// libkiln_fake_nvml.so: a stand-in for NVIDIA's libnvidia-ml.so.1, built with the tests only, so that Kiln's NVML
// code runs on machines without a GPU (kiln loads it through KILN_NVML_LIBRARY). It exports, with C linkage, the
// names and signatures of nvml.h for the functions it implements; every other function is absent, as on an older
// driver. Its GPUs and their counters come from the file named by KILN_FAKE_NVML_STATE, read again at every call, so
// a test can change them while kiln runs (write it whole and rename it into place). One setting a line:
//   devices 2                  how many GPUs (at most 64)
//   gpu 1 pcie_replay 12       a value of GPU 1 (keys below); a key not given: the call says "Not Supported"
//   gpu 1 xid 79               an XID event on GPU 1: each line is one event, in file order
//   gpu 1 lost 1               every call on GPU 1 fails with "GPU is lost" (it fell off the bus)
//   gpu 1 xid_events 0         GPU 1 cannot register for events ("Not Supported")
// Keys: temperature, power_mw, sm_clock, throttle, ecc_sbe_volatile, ecc_sbe_aggregate, ecc_dbe_volatile,
// ecc_dbe_aggregate, remapped_correctable, remapped_uncorrectable, remap_pending, remap_failed (any of these four
// gives nvmlDeviceGetRemappedRows, the others 0), pcie_replay, pcie_width. As with the real driver, an event set sees
// only the XIDs that come after its GPU was registered: the xid lines there at registration are not delivered.
// The fake's cost per call (a small file read) is not a real driver's.

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <utility>
#include <vector>

// NVML's handle and result types, declared as nvml.h declares them (C linkage, opaque handles).
struct nvmlDevice_st {
  int index;
};
struct nvmlEventSet_st {
  std::vector<std::pair<int, std::size_t>> registered;  // GPU index, its xid lines seen or delivered
};

typedef int nvmlReturn_t;
typedef struct nvmlDevice_st* nvmlDevice_t;
typedef struct nvmlEventSet_st* nvmlEventSet_t;
typedef struct nvmlEventData_st {
  nvmlDevice_t device;
  unsigned long long eventType;
  unsigned long long eventData;
  unsigned int gpuInstanceId;
  unsigned int computeInstanceId;
} nvmlEventData_t;

namespace {

constexpr nvmlReturn_t kSuccess = 0, kUninitialized = 1, kInvalidArgument = 2, kNotSupported = 3,
                       kInsufficientSize = 7, kDriverNotLoaded = 9, kTimeout = 10, kGpuIsLost = 15, kUnknown = 999;
constexpr unsigned long long kEventXid = 0x8;  // nvmlEventTypeXidCriticalError
constexpr int kMaxDevices = 64;

// A C library's state, as NVML's own is: its functions take no context to keep it in.
nvmlDevice_st g_devices[kMaxDevices];  // the handles nvmlDeviceGetHandleByIndex_v2 gives
int g_initialized = 0;                 // nvmlInit_v2 calls not yet shut down

struct State {
  bool readable = false;
  int devices = 0;
  std::map<std::pair<int, std::string>, unsigned long long> values;
  std::vector<unsigned long long> xids[kMaxDevices];

  const unsigned long long* Find(int gpu, const char* key) const {
    auto it = values.find({gpu, key});
    return it == values.end() ? nullptr : &it->second;
  }
};

State ReadState() {
  State state;
  const char* path = std::getenv("KILN_FAKE_NVML_STATE");
  std::FILE* file = path ? std::fopen(path, "r") : nullptr;
  if (file == nullptr) return state;
  state.readable = true;
  char line[256];
  while (std::fgets(line, sizeof line, file) != nullptr) {
    int gpu = 0, count = 0;
    char key[64];
    unsigned long long value = 0;
    if (std::sscanf(line, "devices %d", &count) == 1) {
      state.devices = count < 0 ? 0 : (count > kMaxDevices ? kMaxDevices : count);
    } else if (std::sscanf(line, "gpu %d %63s %llu", &gpu, key, &value) == 3 && gpu >= 0 && gpu < kMaxDevices) {
      if (std::strcmp(key, "xid") == 0) {
        state.xids[gpu].push_back(value);
      } else {
        state.values[{gpu, key}] = value;
      }
    }
  }
  std::fclose(file);
  return state;
}

// The state and the GPU's index, or the error a call on `device` returns.
nvmlReturn_t Lookup(nvmlDevice_t device, State& state, int& gpu) {
  if (g_initialized == 0) return kUninitialized;
  state = ReadState();
  if (!state.readable) return kUnknown;
  if (device == nullptr || device < g_devices || device >= g_devices + kMaxDevices) return kInvalidArgument;
  gpu = device->index;
  if (gpu >= state.devices) return kInvalidArgument;
  const unsigned long long* lost = state.Find(gpu, "lost");
  return lost && *lost != 0 ? kGpuIsLost : kSuccess;
}

template <typename T>
nvmlReturn_t Value(nvmlDevice_t device, const char* key, T* out) {
  State state;
  int gpu = 0;
  if (nvmlReturn_t rc = Lookup(device, state, gpu); rc != kSuccess) return rc;
  if (out == nullptr) return kInvalidArgument;
  const unsigned long long* value = state.Find(gpu, key);
  if (value == nullptr) return kNotSupported;
  *out = static_cast<T>(*value);
  return kSuccess;
}

nvmlReturn_t Text(nvmlDevice_t device, const std::string& text, char* out, unsigned int length) {
  State state;
  int gpu = 0;
  if (nvmlReturn_t rc = Lookup(device, state, gpu); rc != kSuccess) return rc;
  if (out == nullptr || text.size() + 1 > length) return kInsufficientSize;
  std::memcpy(out, text.c_str(), text.size() + 1);
  return kSuccess;
}

}  // namespace

extern "C" {

nvmlReturn_t nvmlInit_v2() {
  if (!ReadState().readable) return kDriverNotLoaded;
  for (int i = 0; i < kMaxDevices; ++i) g_devices[i].index = i;
  ++g_initialized;
  return kSuccess;
}

nvmlReturn_t nvmlShutdown() {
  if (g_initialized == 0) return kUninitialized;
  --g_initialized;
  return kSuccess;
}

const char* nvmlErrorString(nvmlReturn_t result) {
  switch (result) {
    case kSuccess: return "Success";
    case kUninitialized: return "Uninitialized";
    case kInvalidArgument: return "Invalid Argument";
    case kNotSupported: return "Not Supported";
    case kInsufficientSize: return "Insufficient Size";
    case kDriverNotLoaded: return "Driver Not Loaded";
    case kTimeout: return "Timeout";
    case kGpuIsLost: return "GPU is lost";
    default: return "Unknown Error";
  }
}

nvmlReturn_t nvmlSystemGetDriverVersion(char* version, unsigned int length) {
  if (g_initialized == 0) return kUninitialized;
  const char* text = "999.99.99-fake";
  if (version == nullptr || std::strlen(text) + 1 > length) return kInsufficientSize;
  std::strcpy(version, text);
  return kSuccess;
}

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int* count) {
  if (g_initialized == 0) return kUninitialized;
  State state = ReadState();
  if (!state.readable) return kUnknown;
  if (count == nullptr) return kInvalidArgument;
  *count = static_cast<unsigned int>(state.devices);
  return kSuccess;
}

nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t* device) {
  if (index >= static_cast<unsigned int>(kMaxDevices) || device == nullptr) return kInvalidArgument;
  State state;
  int gpu = 0;
  nvmlReturn_t rc = Lookup(&g_devices[index], state, gpu);
  if (rc == kSuccess) *device = &g_devices[index];
  return rc;
}

nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char* name, unsigned int length) {
  return Text(device, "Kiln Fake GPU", name, length);
}

nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t device, char* uuid, unsigned int length) {
  char text[64];
  std::snprintf(text, sizeof text, "GPU-00000000-0000-0000-0000-%012d", device ? device->index : 0);
  return Text(device, text, uuid, length);
}

nvmlReturn_t nvmlDeviceGetSerial(nvmlDevice_t device, char* serial, unsigned int length) {
  char text[32];
  std::snprintf(text, sizeof text, "FAKE%04d", device ? device->index : 0);
  return Text(device, text, serial, length);
}

nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t device, int sensor, unsigned int* temperature) {
  if (sensor != 0) return kInvalidArgument;  // NVML_TEMPERATURE_GPU only
  return Value(device, "temperature", temperature);
}

nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t device, unsigned int* milliwatts) {
  return Value(device, "power_mw", milliwatts);
}

nvmlReturn_t nvmlDeviceGetClockInfo(nvmlDevice_t device, int type, unsigned int* mhz) {
  if (type != 1) return kNotSupported;  // NVML_CLOCK_SM only
  return Value(device, "sm_clock", mhz);
}

nvmlReturn_t nvmlDeviceGetCurrentClocksEventReasons(nvmlDevice_t device, unsigned long long* reasons) {
  return Value(device, "throttle", reasons);
}

nvmlReturn_t nvmlDeviceGetTotalEccErrors(nvmlDevice_t device, int error_type, int counter_type,
                                         unsigned long long* count) {
  static const char* const kKeys[2][2] = {{"ecc_sbe_volatile", "ecc_sbe_aggregate"},
                                          {"ecc_dbe_volatile", "ecc_dbe_aggregate"}};
  if (error_type < 0 || error_type > 1 || counter_type < 0 || counter_type > 1) return kInvalidArgument;
  return Value(device, kKeys[error_type][counter_type], count);
}

nvmlReturn_t nvmlDeviceGetRemappedRows(nvmlDevice_t device, unsigned int* corrected, unsigned int* uncorrected,
                                       unsigned int* pending, unsigned int* failed) {
  State state;
  int gpu = 0;
  if (nvmlReturn_t rc = Lookup(device, state, gpu); rc != kSuccess) return rc;
  if (!corrected || !uncorrected || !pending || !failed) return kInvalidArgument;
  const char* keys[4] = {"remapped_correctable", "remapped_uncorrectable", "remap_pending", "remap_failed"};
  unsigned int* outs[4] = {corrected, uncorrected, pending, failed};
  bool any = false;
  for (int i = 0; i < 4; ++i) {
    const unsigned long long* value = state.Find(gpu, keys[i]);
    any = any || value != nullptr;
    *outs[i] = value ? static_cast<unsigned int>(*value) : 0;
  }
  return any ? kSuccess : kNotSupported;
}

nvmlReturn_t nvmlDeviceGetPcieReplayCounter(nvmlDevice_t device, unsigned int* value) {
  return Value(device, "pcie_replay", value);
}

nvmlReturn_t nvmlDeviceGetCurrPcieLinkWidth(nvmlDevice_t device, unsigned int* width) {
  return Value(device, "pcie_width", width);
}

nvmlReturn_t nvmlEventSetCreate(nvmlEventSet_t* set) {
  if (g_initialized == 0) return kUninitialized;
  if (set == nullptr) return kInvalidArgument;
  *set = new nvmlEventSet_st();
  return kSuccess;
}

nvmlReturn_t nvmlDeviceRegisterEvents(nvmlDevice_t device, unsigned long long types, nvmlEventSet_t set) {
  State state;
  int gpu = 0;
  if (nvmlReturn_t rc = Lookup(device, state, gpu); rc != kSuccess) return rc;
  if (set == nullptr || types != kEventXid) return kInvalidArgument;
  const unsigned long long* events = state.Find(gpu, "xid_events");
  if (events && *events == 0) return kNotSupported;
  set->registered.emplace_back(gpu, state.xids[gpu].size());
  return kSuccess;
}

nvmlReturn_t nvmlEventSetWait_v2(nvmlEventSet_t set, nvmlEventData_t* data, unsigned int /*timeout_ms*/) {
  if (g_initialized == 0) return kUninitialized;
  if (set == nullptr || data == nullptr) return kInvalidArgument;
  State state = ReadState();
  for (auto& [gpu, seen] : set->registered) {
    if (gpu >= state.devices) continue;
    const unsigned long long* lost = state.Find(gpu, "lost");
    if (lost && *lost != 0) return kGpuIsLost;
    if (seen >= state.xids[gpu].size()) continue;
    *data = {&g_devices[gpu], kEventXid, state.xids[gpu][seen++], 0xFFFFFFFFu, 0xFFFFFFFFu};
    return kSuccess;
  }
  return kTimeout;  // nothing waiting (the fake never waits)
}

nvmlReturn_t nvmlEventSetFree(nvmlEventSet_t set) {
  if (set == nullptr) return kInvalidArgument;
  delete set;
  return kSuccess;
}

}  // extern "C"

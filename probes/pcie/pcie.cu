// pcie: host<->device bandwidth per GPU with pinned host memory placed on the GPU's NUMA node.

#include "probes/pcie/pcie.hpp"

#include <fmt/format.h>
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <vector>
#include <sstream>

#include "core/units.hpp"
#include "probes/gpu_toolkit/cuda_support.hpp"

namespace kiln::gpu {
namespace {

// Pins the calling thread to the CPUs next to `device` (sysfs local_cpulist), so that pinned memory allocated
// now is placed on the GPU's NUMA node. Returns the list, or "" when unknown (then nothing changes).
std::string PinNearDevice(int device, const std::string& sysfs_root) {
  char bus[32] = {};
  if (cudaDeviceGetPCIBusId(bus, sizeof bus, device) != cudaSuccess) return "";
  std::string id(bus);
  for (char& c : id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::ifstream in(fmt::format("{}/bus/pci/devices/{}/local_cpulist", sysfs_root, id));
  std::string list;
  if (!std::getline(in, list) || list.empty()) return "";
  cpu_set_t set;
  CPU_ZERO(&set);
  std::stringstream ranges(list);
  for (std::string range; std::getline(ranges, range, ',');) {
    int first = 0, last = 0;
    if (std::sscanf(range.c_str(), "%d-%d", &first, &last) == 2) {
      for (int cpu = first; cpu <= last && cpu < CPU_SETSIZE; ++cpu) CPU_SET(cpu, &set);
    } else if (std::sscanf(range.c_str(), "%d", &first) == 1 && first < CPU_SETSIZE) {
      CPU_SET(first, &set);
    }
  }
  if (pthread_setaffinity_np(pthread_self(), sizeof set, &set) != 0) return "";
  return list;
}

constexpr int kBidirectionalRepeats = 4;

}  // namespace

ProbeOutcome RunPcie(ProbeContext& ctx) {
  const std::uint64_t size = ctx.params.Bytes("size");
  const int samples = static_cast<int>(ctx.params.Int("samples"));
  if (size == 0 || samples < 1) throw ProbeError("size and samples must be positive");
  ProbeOutcome outcome;
  for (int device = 0; device < DeviceCount(); ++device) {
    if (ctx.stop.stop_requested()) throw ProbeError("stopped: the step ran past its timeout");
    KILN_CUDA_CHECK(cudaSetDevice(device));
    std::string cpus = PinNearDevice(device, ctx.env.sysfs_root);
    PinnedBuffer host_a(size), host_b(size);
    DeviceBuffer dev_a(size), dev_b(size);
    // Defined contents: copying never-written memory is what compute-sanitizer's initcheck reports.
    std::memset(host_a.get(), 0x5A, size);
    std::memset(host_b.get(), 0, size);
    KILN_CUDA_CHECK(cudaMemset(dev_a.as<void>(), 0, size));
    KILN_CUDA_CHECK(cudaMemset(dev_b.as<void>(), 0xA5, size));
    Stream up, down;
    EventTimer timer_up, timer_down;
    std::vector<double> h2d, d2h, bidir;
    EventList both(3);
    cudaEvent_t both_start = both[0], up_end = both[1], down_end = both[2];  // Seconds(0, 1) and (0, 2)
    for (int s = 0; s <= samples; ++s) {  // sample 0 is a warm-up
      timer_up.Start(up.get());
      KILN_CUDA_CHECK(cudaMemcpyAsync(dev_a.as<void>(), host_a.get(), size, cudaMemcpyHostToDevice, up.get()));
      timer_up.Stop(up.get());
      double seconds_up = timer_up.Seconds();
      timer_down.Start(down.get());
      KILN_CUDA_CHECK(cudaMemcpyAsync(host_b.get(), dev_b.as<void>(), size, cudaMemcpyDeviceToHost, down.get()));
      timer_down.Stop(down.get());
      double seconds_down = timer_down.Seconds();
      // Both directions at once, timed on the GPU: `down` starts from an event of `up`, and the span runs from
      // that event to the later of the two streams' ends (a host clock adds its wake-up jitter to 5 ms copies).
      KILN_CUDA_CHECK(cudaEventRecord(both_start, up.get()));
      KILN_CUDA_CHECK(cudaStreamWaitEvent(down.get(), both_start, 0));
      for (int r = 0; r < kBidirectionalRepeats; ++r) {
        KILN_CUDA_CHECK(cudaMemcpyAsync(dev_a.as<void>(), host_a.get(), size, cudaMemcpyHostToDevice, up.get()));
        KILN_CUDA_CHECK(cudaMemcpyAsync(host_b.get(), dev_b.as<void>(), size, cudaMemcpyDeviceToHost, down.get()));
      }
      KILN_CUDA_CHECK(cudaEventRecord(up_end, up.get()));
      KILN_CUDA_CHECK(cudaEventRecord(down_end, down.get()));
      KILN_CUDA_CHECK(cudaEventSynchronize(up_end));
      KILN_CUDA_CHECK(cudaEventSynchronize(down_end));
      double seconds_both = std::max(both.Seconds(0, 1), both.Seconds(0, 2));
      if (s == 0) continue;
      h2d.push_back(GigabytesPerSecond(static_cast<double>(size), seconds_up));
      d2h.push_back(GigabytesPerSecond(static_cast<double>(size), seconds_down));
      bidir.push_back(GigabytesPerSecond(2.0 * kBidirectionalRepeats * static_cast<double>(size), seconds_both));
    }
    Subject gpu = Subject::Device(ctx.node, fmt::format("gpu{}", device));
    std::string where = cpus.empty() ? "" : fmt::format(" on CPUs {} (the GPU's NUMA node)", cpus);
    std::string method = fmt::format("median of {} cudaMemcpyAsync of {} with pinned host memory{}, CUDA events",
                                     samples, FormatBytes(size), where);
    std::string both_method = fmt::format(
        "median of {} samples, each {} copies of {} in each direction on two streams started from one event, bytes of "
        "both directions over the span to the later end (CUDA events); pinned host memory{}",
        samples, kBidirectionalRepeats, FormatBytes(size), where);
    outcome.measurements.push_back(MakeMeasurement("pcie", "pcie.h2d_bw", "GB/s", gpu, h2d, true, method));
    outcome.measurements.push_back(MakeMeasurement("pcie", "pcie.d2h_bw", "GB/s", gpu, d2h, true, method));
    outcome.measurements.push_back(MakeMeasurement("pcie", "pcie.bidir_bw", "GB/s", gpu, bidir, true, both_method));
  }
  return outcome;
}

}  // namespace kiln::gpu

// p2p_bandwidth: the N x N GPU matrix (row = source, column = destination) by copy engine and by SM kernel,
// unidirectional and bidirectional, plus peer latency; flags a pair far below the others.

#include "probes/p2p_bandwidth/p2p_bandwidth.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <vector>

#include "core/statistics.hpp"
#include "core/units.hpp"
#include "probes/gpu_toolkit/cuda_support.hpp"
#include "probes/p2p_bandwidth/slow_cells.hpp"

namespace kiln::gpu {
namespace {

__global__ void CopyKernel(const int4* __restrict__ source, int4* __restrict__ destination, std::uint64_t count) {
  for (std::uint64_t i = blockIdx.x * blockDim.x + threadIdx.x; i < count; i += std::uint64_t(gridDim.x) * blockDim.x) {
    destination[i] = source[i];
  }
}

// One thread follows a chain of indices through the peer's memory: each step waits for the previous load.
__global__ void PointerChase(const unsigned* chain, unsigned steps, unsigned* sink) {
  unsigned index = 0;
  for (unsigned s = 0; s < steps; ++s) index = chain[index];
  *sink = index;
}

__global__ void MakeChain(unsigned* chain, unsigned length, unsigned stride) {
  for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < length; i += gridDim.x * blockDim.x) {
    chain[i] = (i + stride) % length;
  }
}

// Every GPU's buffers, stream and timer, with peer access enabled wherever the hardware allows.
struct PeerDevices {
  std::vector<DeviceBuffer> buffers, second;
  std::vector<std::unique_ptr<Stream>> streams;
  std::vector<std::unique_ptr<EventTimer>> timers;
  std::vector<int> sms;
  std::uint64_t size = 0;
};

void EnablePeerAccess(int device, int devices) {
  for (int peer = 0; peer < devices; ++peer) {
    int can = 0;
    KILN_CUDA_CHECK(cudaDeviceCanAccessPeer(&can, device, peer));
    if (peer != device && can) {
      cudaError_t rc = cudaDeviceEnablePeerAccess(peer, 0);
      if (rc != cudaSuccess && rc != cudaErrorPeerAccessAlreadyEnabled) KILN_CUDA_CHECK(rc);
      cudaGetLastError();
    }
  }
}

PeerDevices SetUpDevices(int devices, std::uint64_t size) {
  PeerDevices d;
  d.size = size;
  for (int device = 0; device < devices; ++device) {
    KILN_CUDA_CHECK(cudaSetDevice(device));
    EnablePeerAccess(device, devices);
    d.buffers.emplace_back(size);
    d.second.emplace_back(size);
    // Defined contents: copying never-written memory is what compute-sanitizer's initcheck reports.
    KILN_CUDA_CHECK(cudaMemset(d.buffers.back().as<void>(), 0x5A, size));
    KILN_CUDA_CHECK(cudaMemset(d.second.back().as<void>(), 0, size));
    d.streams.push_back(std::make_unique<Stream>());
    d.timers.push_back(std::make_unique<EventTimer>());
    cudaDeviceProp prop{};
    KILN_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
    d.sms.push_back(prop.multiProcessorCount);
  }
  return d;
}

// The seconds of one sample of each kind, for the pair i -> j.
struct PairSeconds {
  double ce = 0, bidir = 0, read = 0, write = 0, chase = 0;
};

constexpr unsigned kChaseSteps = 10000;

// Copy engine, i -> j on i's stream; then both directions at once.
void TimeCopyEngine(PeerDevices& d, int i, int j, PairSeconds& out) {
  const auto si = static_cast<std::size_t>(i), sj = static_cast<std::size_t>(j);
  KILN_CUDA_CHECK(cudaSetDevice(i));
  d.timers[si]->Start(d.streams[si]->get());
  KILN_CUDA_CHECK(cudaMemcpyPeerAsync(d.buffers[sj].as<void>(), j, d.buffers[si].as<void>(), i, d.size, d.streams[si]->get()));
  d.timers[si]->Stop(d.streams[si]->get());
  out.ce = d.timers[si]->Seconds();
  auto start = std::chrono::steady_clock::now();
  KILN_CUDA_CHECK(cudaMemcpyPeerAsync(d.buffers[sj].as<void>(), j, d.buffers[si].as<void>(), i, d.size, d.streams[si]->get()));
  KILN_CUDA_CHECK(cudaSetDevice(j));
  KILN_CUDA_CHECK(cudaMemcpyPeerAsync(d.second[si].as<void>(), i, d.second[sj].as<void>(), j, d.size, d.streams[sj]->get()));
  KILN_CUDA_CHECK(cudaStreamSynchronize(d.streams[sj]->get()));
  KILN_CUDA_CHECK(cudaSetDevice(i));
  KILN_CUDA_CHECK(cudaStreamSynchronize(d.streams[si]->get()));
  out.bidir = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// SM copies: j's kernel reads from i; i's kernel writes to j.
void TimeSmCopies(PeerDevices& d, int i, int j, PairSeconds& out) {
  const auto si = static_cast<std::size_t>(i), sj = static_cast<std::size_t>(j);
  const std::uint64_t vectors = d.size / 16;
  KILN_CUDA_CHECK(cudaSetDevice(j));
  d.timers[sj]->Start(d.streams[sj]->get());
  CopyKernel<<<d.sms[sj] * 4, 512, 0, d.streams[sj]->get()>>>(d.buffers[si].as<int4>(), d.second[sj].as<int4>(), vectors);
  d.timers[sj]->Stop(d.streams[sj]->get());
  out.read = d.timers[sj]->Seconds();
  KILN_CUDA_CHECK(cudaSetDevice(i));
  d.timers[si]->Start(d.streams[si]->get());
  CopyKernel<<<d.sms[si] * 4, 512, 0, d.streams[si]->get()>>>(d.second[si].as<int4>(), d.buffers[sj].as<int4>(), vectors);
  d.timers[si]->Stop(d.streams[si]->get());
  out.write = d.timers[si]->Seconds();
}

// Latency: i chases a chain of indices in j's memory, 64 KiB apart.
void TimeLatency(PeerDevices& d, int i, int j, PairSeconds& out) {
  const auto si = static_cast<std::size_t>(i), sj = static_cast<std::size_t>(j);
  unsigned length = static_cast<unsigned>(std::min<std::uint64_t>(d.size / 4, 1u << 26));
  KILN_CUDA_CHECK(cudaSetDevice(j));
  MakeChain<<<256, 256, 0, d.streams[sj]->get()>>>(d.buffers[sj].as<unsigned>(), length, 16384);
  KILN_CUDA_CHECK(cudaStreamSynchronize(d.streams[sj]->get()));
  KILN_CUDA_CHECK(cudaSetDevice(i));
  d.timers[si]->Start(d.streams[si]->get());
  PointerChase<<<1, 1, 0, d.streams[si]->get()>>>(d.buffers[sj].as<unsigned>(), kChaseSteps, d.second[si].as<unsigned>());
  d.timers[si]->Stop(d.streams[si]->get());
  out.chase = d.timers[si]->Seconds();
  KILN_CUDA_CHECK(cudaGetLastError());
}

// `samples` samples of every kind for i -> j after one warm-up, as measurements; returns the copy-engine median.
double MeasurePair(PeerDevices& d, int i, int j, int samples, const std::string& node, ProbeOutcome& outcome) {
  std::vector<double> ce, bidir, read, write, latency;
  const double bytes = static_cast<double>(d.size);
  for (int s = 0; s <= samples; ++s) {
    PairSeconds t;
    TimeCopyEngine(d, i, j, t);
    TimeSmCopies(d, i, j, t);
    TimeLatency(d, i, j, t);
    if (s == 0) continue;  // warm-up
    ce.push_back(GigabytesPerSecond(bytes, t.ce));
    bidir.push_back(GigabytesPerSecond(2 * bytes, t.bidir));
    read.push_back(GigabytesPerSecond(bytes, t.read));
    write.push_back(GigabytesPerSecond(bytes, t.write));
    latency.push_back(t.chase / kChaseSteps * 1e6);
  }
  const double median = Median(ce);
  auto record = [&](const char* metric, const char* unit, std::vector<double> values, bool higher,
                    const std::string& method) {
    outcome.measurements.push_back(MakeMeasurement("p2p_bandwidth", metric, unit,
                                                   Subject::Device(node, fmt::format("gpu{}->gpu{}", i, j)),
                                                   std::move(values), higher, method));
  };
  std::string method = fmt::format("median of {} copies of {}", samples, FormatBytes(d.size));
  record("p2p.ce_unidir_bw", "GB/s", std::move(ce), true, "cudaMemcpyPeerAsync, " + method);
  record("p2p.ce_bidir_bw", "GB/s", std::move(bidir), true, "cudaMemcpyPeerAsync both ways at once, " + method);
  record("p2p.sm_read_bw", "GB/s", std::move(read), true, "copy kernel on the destination reading the source, " + method);
  record("p2p.sm_write_bw", "GB/s", std::move(write), true, "copy kernel on the source writing the destination, " + method);
  record("p2p.latency", "us", std::move(latency), false, "pointer chase of 10000 dependent 4-byte peer loads");
  return median;
}

}  // namespace

ProbeOutcome RunP2pBandwidth(ProbeContext& ctx) {
  const int devices = DeviceCount();
  if (devices < 2) return ProbeOutcome::Skipped(fmt::format("needs at least 2 GPUs; this node has {}", devices));
  const std::uint64_t size = ctx.params.Bytes("size") / 16 * 16;
  const int samples = static_cast<int>(ctx.params.Int("samples"));
  if (size == 0 || samples < 1) throw ProbeError("size and samples must be positive");
  const std::size_t n = static_cast<std::size_t>(devices);
  PeerDevices d = SetUpDevices(devices, size);

  std::vector<std::vector<double>> ce(n, std::vector<double>(n, 0));  // copy-engine medians, row = source
  ProbeOutcome outcome;
  for (int i = 0; i < devices; ++i) {
    for (int j = 0; j < devices; ++j) {
      if (i == j) continue;
      if (ctx.stop.stop_requested()) throw ProbeError("stopped: the step ran past its timeout");
      ce[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)] = MeasurePair(d, i, j, samples, ctx.node, outcome);
    }
  }
  std::vector<SlowCell> slow = SlowCells(ce, ctx.params.Double("slow_fraction"));
  std::string cells;
  for (const SlowCell& c : slow) cells += fmt::format("{}gpu{}->gpu{} {:.1f} GB/s", cells.empty() ? "" : ", ", c.from, c.to, c.value);
  outcome.measurements.push_back(MakeMeasurement(
      "p2p_bandwidth", "p2p.slow_cells", "count", Subject::Node(ctx.node), {static_cast<double>(slow.size())}, false,
      fmt::format("copy-engine cells below {:g} x the median cell{}", ctx.params.Double("slow_fraction"),
                  cells.empty() ? "" : ": " + cells)));
  return outcome;
}

}  // namespace kiln::gpu

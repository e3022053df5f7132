// p2p_bandwidth: the N x N GPU matrix (row = source, column = destination) by copy engine and by SM kernel,
// unidirectional and bidirectional, plus peer latency; flags a pair far below the others.

#include "probes/p2p_bandwidth/p2p_bandwidth.hpp"

#include <fmt/format.h>

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

}  // namespace

ProbeOutcome RunP2pBandwidth(ProbeContext& ctx) {
  const int devices = DeviceCount();
  if (devices < 2) return ProbeOutcome::Skipped(fmt::format("needs at least 2 GPUs; this node has {}", devices));
  const std::uint64_t size = ctx.params.Bytes("size") / 16 * 16;
  const int samples = static_cast<int>(ctx.params.Int("samples"));
  if (size == 0 || samples < 1) throw ProbeError("size and samples must be positive");
  const std::size_t n = static_cast<std::size_t>(devices);

  std::vector<DeviceBuffer> buffers, second;
  std::vector<std::unique_ptr<Stream>> streams;
  std::vector<std::unique_ptr<EventTimer>> timers;
  std::vector<int> sms(n);
  for (int d = 0; d < devices; ++d) {
    KILN_CUDA_CHECK(cudaSetDevice(d));
    for (int peer = 0; peer < devices; ++peer) {
      int can = 0;
      KILN_CUDA_CHECK(cudaDeviceCanAccessPeer(&can, d, peer));
      if (peer != d && can) {
        cudaError_t rc = cudaDeviceEnablePeerAccess(peer, 0);
        if (rc != cudaSuccess && rc != cudaErrorPeerAccessAlreadyEnabled) KILN_CUDA_CHECK(rc);
        cudaGetLastError();
      }
    }
    buffers.emplace_back(size);
    second.emplace_back(size);
    // Defined contents: copying never-written memory is what compute-sanitizer's initcheck reports.
    KILN_CUDA_CHECK(cudaMemset(buffers.back().as<void>(), 0x5A, size));
    KILN_CUDA_CHECK(cudaMemset(second.back().as<void>(), 0, size));
    streams.push_back(std::make_unique<Stream>());
    timers.push_back(std::make_unique<EventTimer>());
    cudaDeviceProp prop{};
    KILN_CUDA_CHECK(cudaGetDeviceProperties(&prop, d));
    sms[static_cast<std::size_t>(d)] = prop.multiProcessorCount;
  }

  using Matrix = std::vector<std::vector<double>>;
  Matrix ce(n, std::vector<double>(n, 0)), bidir = ce, sm_read = ce, sm_write = ce, latency = ce;
  ProbeOutcome outcome;
  auto record = [&](const char* metric, const char* unit, int i, int j, std::vector<double> values, bool higher,
                    const std::string& method) {
    outcome.measurements.push_back(MakeMeasurement("p2p_bandwidth", metric, unit,
                                                   Subject::Device(ctx.node, fmt::format("gpu{}->gpu{}", i, j)),
                                                   std::move(values), higher, method));
  };
  const double bytes = static_cast<double>(size);
  const std::uint64_t vectors = size / 16;
  for (int i = 0; i < devices; ++i) {
    for (int j = 0; j < devices; ++j) {
      if (i == j) continue;
      if (ctx.stop.stop_requested()) throw ProbeError("stopped: the step ran past its timeout");
      auto si = static_cast<std::size_t>(i), sj = static_cast<std::size_t>(j);
      std::vector<double> ce_samples, bidir_samples, read_samples, write_samples, latency_samples;
      for (int s = 0; s <= samples; ++s) {
        // Copy engine, i -> j, on i's stream.
        KILN_CUDA_CHECK(cudaSetDevice(i));
        timers[si]->Start(streams[si]->get());
        KILN_CUDA_CHECK(cudaMemcpyPeerAsync(buffers[sj].as<void>(), j, buffers[si].as<void>(), i, size, streams[si]->get()));
        timers[si]->Stop(streams[si]->get());
        double ce_seconds = timers[si]->Seconds();
        // Both directions at once.
        auto start = std::chrono::steady_clock::now();
        KILN_CUDA_CHECK(cudaMemcpyPeerAsync(buffers[sj].as<void>(), j, buffers[si].as<void>(), i, size, streams[si]->get()));
        KILN_CUDA_CHECK(cudaSetDevice(j));
        KILN_CUDA_CHECK(cudaMemcpyPeerAsync(second[si].as<void>(), i, second[sj].as<void>(), j, size, streams[sj]->get()));
        KILN_CUDA_CHECK(cudaStreamSynchronize(streams[sj]->get()));
        KILN_CUDA_CHECK(cudaSetDevice(i));
        KILN_CUDA_CHECK(cudaStreamSynchronize(streams[si]->get()));
        double bidir_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        // SM copies: j's kernel reads from i; i's kernel writes to j.
        KILN_CUDA_CHECK(cudaSetDevice(j));
        timers[sj]->Start(streams[sj]->get());
        CopyKernel<<<sms[sj] * 4, 512, 0, streams[sj]->get()>>>(buffers[si].as<int4>(), second[sj].as<int4>(), vectors);
        timers[sj]->Stop(streams[sj]->get());
        double read_seconds = timers[sj]->Seconds();
        KILN_CUDA_CHECK(cudaSetDevice(i));
        timers[si]->Start(streams[si]->get());
        CopyKernel<<<sms[si] * 4, 512, 0, streams[si]->get()>>>(second[si].as<int4>(), buffers[sj].as<int4>(), vectors);
        timers[si]->Stop(streams[si]->get());
        double write_seconds = timers[si]->Seconds();
        // Latency: i chases a chain of indices in j's memory, 64 KiB apart.
        constexpr unsigned kSteps = 10000;
        unsigned length = static_cast<unsigned>(std::min<std::uint64_t>(size / 4, 1u << 26));
        KILN_CUDA_CHECK(cudaSetDevice(j));
        MakeChain<<<256, 256, 0, streams[sj]->get()>>>(buffers[sj].as<unsigned>(), length, 16384);
        KILN_CUDA_CHECK(cudaStreamSynchronize(streams[sj]->get()));
        KILN_CUDA_CHECK(cudaSetDevice(i));
        timers[si]->Start(streams[si]->get());
        PointerChase<<<1, 1, 0, streams[si]->get()>>>(buffers[sj].as<unsigned>(), kSteps, second[si].as<unsigned>());
        timers[si]->Stop(streams[si]->get());
        double chase_seconds = timers[si]->Seconds();
        KILN_CUDA_CHECK(cudaGetLastError());
        if (s == 0) continue;  // warm-up
        ce_samples.push_back(GigabytesPerSecond(bytes, ce_seconds));
        bidir_samples.push_back(GigabytesPerSecond(2 * bytes, bidir_seconds));
        read_samples.push_back(GigabytesPerSecond(bytes, read_seconds));
        write_samples.push_back(GigabytesPerSecond(bytes, write_seconds));
        latency_samples.push_back(chase_seconds / kSteps * 1e6);
      }
      ce[si][sj] = Median(ce_samples);
      std::string method = fmt::format("median of {} copies of {}", samples, FormatBytes(size));
      record("p2p.ce_unidir_bw", "GB/s", i, j, ce_samples, true, "cudaMemcpyPeerAsync, " + method);
      record("p2p.ce_bidir_bw", "GB/s", i, j, bidir_samples, true, "cudaMemcpyPeerAsync both ways at once, " + method);
      record("p2p.sm_read_bw", "GB/s", i, j, read_samples, true, "copy kernel on the destination reading the source, " + method);
      record("p2p.sm_write_bw", "GB/s", i, j, write_samples, true, "copy kernel on the source writing the destination, " + method);
      record("p2p.latency", "us", i, j, latency_samples, false, "pointer chase of 10000 dependent 4-byte peer loads");
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

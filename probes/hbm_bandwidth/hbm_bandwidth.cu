// hbm_bandwidth: STREAM kernels on device memory, several launch shapes, the best shape's median per GPU.

#include "probes/hbm_bandwidth/hbm_bandwidth.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "core/statistics.hpp"
#include "core/units.hpp"
#include "probes/gpu/cuda_support.hpp"
#include "probes/gpu/element_ops.hpp"
#include "probes/gpu/gpu_math.hpp"
#include "probes/host_stream/stream_math.hpp"

namespace kiln::gpu {
namespace {

enum class HbmKernel { kCopy, kScale, kAdd, kTriad, kRead, kWrite };
constexpr std::array<HbmKernel, 6> kHbmKernels{HbmKernel::kCopy, HbmKernel::kScale, HbmKernel::kAdd,
                                                HbmKernel::kTriad, HbmKernel::kRead, HbmKernel::kWrite};
constexpr std::array<const char*, 6> kHbmMetrics{"hbm.copy_bw", "hbm.scale_bw", "hbm.add_bw",
                                                 "hbm.triad_bw", "hbm.read_bw", "hbm.write_bw"};
constexpr std::array<double, 6> kArraysMoved{2, 2, 3, 3, 1, 1};

__global__ void Init(double* a, double* b, double* c, std::uint64_t n) {
  for (std::uint64_t i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += std::uint64_t(gridDim.x) * blockDim.x) {
    a[i] = 1.0;
    b[i] = 2.0;
    c[i] = 0.0;
  }
}

__global__ void StreamKernel(HbmKernel kernel, double* a, double* b, double* c, std::uint64_t n, double* sink) {
  double sum = 0;
  for (std::uint64_t i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += std::uint64_t(gridDim.x) * blockDim.x) {
    switch (kernel) {
      case HbmKernel::kCopy: c[i] = a[i]; break;
      case HbmKernel::kScale: b[i] = StreamScale(c[i]); break;
      case HbmKernel::kAdd: c[i] = StreamAdd(a[i], b[i]); break;
      case HbmKernel::kTriad: a[i] = StreamTriad(b[i], c[i]); break;
      case HbmKernel::kRead: sum += a[i]; break;
      case HbmKernel::kWrite: c[i] = 0.0; break;
    }
  }
  if (kernel == HbmKernel::kRead && sum == -1.0) *sink = sum;  // never true; keeps the reads alive
}

__global__ void CountWrong(const double* a, const double* b, const double* c, std::uint64_t n, double ea, double eb,
                           double ec, unsigned long long* wrong) {
  unsigned long long local = 0;
  for (std::uint64_t i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += std::uint64_t(gridDim.x) * blockDim.x) {
    local += (a[i] != ea) + (b[i] != eb) + (c[i] != ec);
  }
  if (local != 0) atomicAdd(wrong, local);
}

struct Shape {
  int threads;
  int blocks_per_sm;
};
constexpr std::array<Shape, 4> kShapes{{{256, 4}, {512, 4}, {1024, 2}, {256, 32}}};

}  // namespace

ProbeOutcome RunHbmBandwidth(ProbeContext& ctx) {
  ProbeOutcome outcome;
  const int samples = static_cast<int>(ctx.params.Int("samples"));
  if (samples < 1) throw ProbeError("samples must be at least 1");
  for (int device = 0; device < DeviceCount(); ++device) {
    KILN_CUDA_CHECK(cudaSetDevice(device));
    cudaDeviceProp prop{};
    KILN_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
    std::size_t free_bytes = 0, total_bytes = 0;
    KILN_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
    std::uint64_t n = HbmElements(ctx.params.Bytes("array_size"), free_bytes, 0.8,
                                  static_cast<std::uint64_t>(prop.l2CacheSize), sizeof(double));
    if (n == 0) throw ProbeError(fmt::format("gpu{}: arrays do not fit in {} free", device, FormatBytes(free_bytes)));
    DeviceBuffer a(n * 8), b(n * 8), c(n * 8), sink(8);
    DeviceBuffer wrong(sizeof(unsigned long long));
    Stream stream;
    EventTimer timer;
    std::string subject_device = fmt::format("gpu{}", device);
    for (std::size_t k = 0; k < kHbmKernels.size(); ++k) {
      std::vector<double> best;
      int best_threads = 0, best_blocks = 0;
      for (const Shape& shape : kShapes) {
        if (ctx.stop.stop_requested()) throw ProbeError("stopped: the step ran past its timeout");
        int blocks = prop.multiProcessorCount * shape.blocks_per_sm;
        Init<<<blocks, shape.threads, 0, stream.get()>>>(a.as<double>(), b.as<double>(), c.as<double>(), n);
        StreamKernel<<<blocks, shape.threads, 0, stream.get()>>>(kHbmKernels[k], a.as<double>(), b.as<double>(),
                                                           c.as<double>(), n, sink.as<double>());  // warm-up
        KILN_CUDA_CHECK(cudaGetLastError());
        std::vector<double> rates;
        for (int s = 0; s < samples; ++s) {
          timer.Start(stream.get());
          StreamKernel<<<blocks, shape.threads, 0, stream.get()>>>(kHbmKernels[k], a.as<double>(), b.as<double>(),
                                                             c.as<double>(), n, sink.as<double>());
          timer.Stop(stream.get());
          rates.push_back(GigabytesPerSecond(kArraysMoved[k] * 8.0 * static_cast<double>(n), timer.Seconds()));
        }
        KILN_CUDA_CHECK(cudaGetLastError());
        if (best.empty() || Median(rates) > Median(best)) {
          best = rates;
          best_threads = shape.threads;
          best_blocks = blocks;
        }
      }
      outcome.measurements.push_back(MakeMeasurement(
          "hbm_bandwidth", kHbmMetrics[k], "GB/s", Subject::Device(ctx.node, subject_device), best, true,
          fmt::format("median of {} runs over {} doubles per array; best of {} launch shapes: {} blocks x {} threads",
                      samples, n, kShapes.size(), best_blocks, best_threads)));
    }
    // STREAM's check: one clean pass of the four kernels must leave the values the recurrence predicts.
    int blocks = prop.multiProcessorCount * 4;
    Init<<<blocks, 256, 0, stream.get()>>>(a.as<double>(), b.as<double>(), c.as<double>(), n);
    for (HbmKernel kernel : {HbmKernel::kCopy, HbmKernel::kScale, HbmKernel::kAdd, HbmKernel::kTriad}) {
      StreamKernel<<<blocks, 256, 0, stream.get()>>>(kernel, a.as<double>(), b.as<double>(), c.as<double>(), n,
                                               sink.as<double>());
    }
    host_stream::Expected expected = host_stream::ExpectedAfter(1);
    KILN_CUDA_CHECK(cudaMemsetAsync(wrong.as<void>(), 0, sizeof(unsigned long long), stream.get()));
    CountWrong<<<blocks, 256, 0, stream.get()>>>(a.as<double>(), b.as<double>(), c.as<double>(), n, expected.a,
                                                 expected.b, expected.c, wrong.as<unsigned long long>());
    unsigned long long wrong_count = 0;
    KILN_CUDA_CHECK(cudaMemcpyAsync(&wrong_count, wrong.as<void>(), sizeof wrong_count, cudaMemcpyDeviceToHost,
                                    stream.get()));
    KILN_CUDA_CHECK(cudaStreamSynchronize(stream.get()));
    outcome.measurements.push_back(MakeMeasurement("hbm_bandwidth", "hbm.wrong_elements", "count",
                                                   Subject::Device(ctx.node, subject_device),
                                                   {static_cast<double>(wrong_count)}, false,
                                                   "elements of a, b, c differing from STREAM's expected values"));
  }
  return outcome;
}

}  // namespace kiln::gpu

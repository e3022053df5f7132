// hbm_bandwidth: STREAM kernels on device memory, one kernel per operation with 16-byte vectors, the fastest of
// several launch shapes; the median of that shape's runs per GPU.

#include "probes/hbm_bandwidth/hbm_bandwidth.hpp"

#include <fmt/format.h>

#include <array>

#include "core/statistics.hpp"
#include "core/units.hpp"
#include "probes/gpu_toolkit/cuda_support.hpp"
#include "probes/gpu_toolkit/element_ops.hpp"
#include "probes/hbm_bandwidth/hbm_sizing.hpp"
#include "probes/hbm_bandwidth/stream_shapes.hpp"
#include "probes/host_stream/stream_math.hpp"

namespace kiln::gpu {
namespace {

// The operations as functors on vectors; kInputs says which of x, y each reads (STREAM's arrays a, b, c).
struct CopyOp {
  static constexpr int kInputs = 1;
  __device__ double2 operator()(double2 a, double2) const { return a; }
};
struct ScaleOp {
  static constexpr int kInputs = 1;
  __device__ double2 operator()(double2 c, double2) const { return {StreamScale(c.x), StreamScale(c.y)}; }
};
struct AddOp {
  static constexpr int kInputs = 2;
  __device__ double2 operator()(double2 a, double2 b) const { return {StreamAdd(a.x, b.x), StreamAdd(a.y, b.y)}; }
};
struct TriadOp {
  static constexpr int kInputs = 2;
  __device__ double2 operator()(double2 b, double2 c) const { return {StreamTriad(b.x, c.x), StreamTriad(b.y, c.y)}; }
};
struct WriteOp {
  static constexpr int kInputs = 0;
  __device__ double2 operator()(double2, double2) const { return {0.0, 0.0}; }
};

// out = op(x, y) over `vectors` 16-byte vectors. A block's tile is threads x kUnroll vectors, each thread's loads
// issued before its stores; the grid strides over the tiles.
template <typename Op, int kUnroll>
__global__ void __launch_bounds__(1024) Elementwise(const double2* __restrict__ x, const double2* __restrict__ y,
                                                    double2* __restrict__ out, std::uint64_t vectors) {
  const std::uint64_t tile = std::uint64_t(blockDim.x) * kUnroll;
  for (std::uint64_t base = blockIdx.x * tile + threadIdx.x; base < vectors; base += gridDim.x * tile) {
    double2 in_x[kUnroll] = {}, in_y[kUnroll] = {};
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const std::uint64_t i = base + std::uint64_t(u) * blockDim.x;
      if (i < vectors) {
        if constexpr (Op::kInputs >= 1) in_x[u] = x[i];
        if constexpr (Op::kInputs >= 2) in_y[u] = y[i];
      }
    }
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const std::uint64_t i = base + std::uint64_t(u) * blockDim.x;
      if (i < vectors) out[i] = Op{}(in_x[u], in_y[u]);
    }
  }
}

// Sums x: kUnroll running sums per thread, combined once per warp and block, one atomic per block.
template <int kUnroll>
__global__ void __launch_bounds__(1024) ReadSum(const double2* __restrict__ x, std::uint64_t vectors, double* sum) {
  double partial[kUnroll] = {};
  const std::uint64_t tile = std::uint64_t(blockDim.x) * kUnroll;
  for (std::uint64_t base = blockIdx.x * tile + threadIdx.x; base < vectors; base += gridDim.x * tile) {
    double2 in[kUnroll] = {};
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const std::uint64_t i = base + std::uint64_t(u) * blockDim.x;
      if (i < vectors) in[u] = x[i];
    }
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) partial[u] += in[u].x + in[u].y;
  }
  double total = 0;
#pragma unroll
  for (int u = 0; u < kUnroll; ++u) total += partial[u];
  for (int offset = 16; offset > 0; offset /= 2) total += __shfl_down_sync(0xffffffffu, total, offset);
  __shared__ double warp_sums[32];
  if (threadIdx.x % 32 == 0) warp_sums[threadIdx.x / 32] = total;
  __syncthreads();
  if (threadIdx.x == 0) {
    double block = 0;
    for (unsigned w = 0; w < (blockDim.x + 31) / 32; ++w) block += warp_sums[w];
    atomicAdd(sum, block);
  }
}

__global__ void Init(double* a, double* b, double* c, std::uint64_t n) {
  for (std::uint64_t i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += std::uint64_t(gridDim.x) * blockDim.x) {
    a[i] = 1.0;
    b[i] = 2.0;
    c[i] = 0.0;
  }
}

__global__ void CountWrong(const double* a, const double* b, const double* c, std::uint64_t n, double ea, double eb,
                           double ec, unsigned long long* wrong) {
  unsigned long long local = 0;
  for (std::uint64_t i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += std::uint64_t(gridDim.x) * blockDim.x) {
    local += (a[i] != ea) + (b[i] != eb) + (c[i] != ec);
  }
  if (local != 0) atomicAdd(wrong, local);
}

enum class HbmKernel { kCopy, kScale, kAdd, kTriad, kRead, kWrite };
struct KernelInfo {
  HbmKernel kernel;
  const char* metric;
  int arrays_moved;  // arrays read + arrays written, STREAM's counting
};
constexpr std::array<KernelInfo, 6> kKernels{{{HbmKernel::kCopy, "hbm.copy_bw", 2},
                                              {HbmKernel::kScale, "hbm.scale_bw", 2},
                                              {HbmKernel::kAdd, "hbm.add_bw", 3},
                                              {HbmKernel::kTriad, "hbm.triad_bw", 3},
                                              {HbmKernel::kRead, "hbm.read_bw", 1},
                                              {HbmKernel::kWrite, "hbm.write_bw", 1}}};

struct Arrays {
  double2 *a, *b, *c;
  double* sum;
  std::uint64_t vectors;
};

template <typename Op>
void LaunchElementwise(const StreamShape& s, unsigned blocks, const double2* x, const double2* y, double2* out,
                       std::uint64_t vectors, cudaStream_t stream) {
  switch (s.unroll) {
    case 1: Elementwise<Op, 1><<<blocks, s.threads, 0, stream>>>(x, y, out, vectors); break;
    case 2: Elementwise<Op, 2><<<blocks, s.threads, 0, stream>>>(x, y, out, vectors); break;
    case 4: Elementwise<Op, 4><<<blocks, s.threads, 0, stream>>>(x, y, out, vectors); break;
    default: Elementwise<Op, 8><<<blocks, s.threads, 0, stream>>>(x, y, out, vectors); break;
  }
}

void LaunchRead(const StreamShape& s, unsigned blocks, const double2* x, std::uint64_t vectors, double* sum,
                cudaStream_t stream) {
  switch (s.unroll) {
    case 1: ReadSum<1><<<blocks, s.threads, 0, stream>>>(x, vectors, sum); break;
    case 2: ReadSum<2><<<blocks, s.threads, 0, stream>>>(x, vectors, sum); break;
    case 4: ReadSum<4><<<blocks, s.threads, 0, stream>>>(x, vectors, sum); break;
    default: ReadSum<8><<<blocks, s.threads, 0, stream>>>(x, vectors, sum); break;
  }
}

// One run of `kernel` in STREAM's assignment: copy c = a, scale b = s c, add c = a + b, triad a = b + s c.
void Launch(HbmKernel kernel, const StreamShape& s, unsigned blocks, const Arrays& x, cudaStream_t stream) {
  switch (kernel) {
    case HbmKernel::kCopy: LaunchElementwise<CopyOp>(s, blocks, x.a, nullptr, x.c, x.vectors, stream); break;
    case HbmKernel::kScale: LaunchElementwise<ScaleOp>(s, blocks, x.c, nullptr, x.b, x.vectors, stream); break;
    case HbmKernel::kAdd: LaunchElementwise<AddOp>(s, blocks, x.a, x.b, x.c, x.vectors, stream); break;
    case HbmKernel::kTriad: LaunchElementwise<TriadOp>(s, blocks, x.b, x.c, x.a, x.vectors, stream); break;
    case HbmKernel::kRead: LaunchRead(s, blocks, x.a, x.vectors, x.sum, stream); break;
    case HbmKernel::kWrite: LaunchElementwise<WriteOp>(s, blocks, nullptr, nullptr, x.c, x.vectors, stream); break;
  }
}

constexpr int kTrialRuns = 3;  // timed runs per shape while choosing one

// Rates of `runs` timed launches (after one untimed warm-up).
std::vector<double> TimeRuns(const KernelInfo& info, const StreamShape& shape, unsigned blocks, const Arrays& x,
                             int runs, Stream& stream, EventTimer& timer) {
  Launch(info.kernel, shape, blocks, x, stream.get());
  KILN_CUDA_CHECK(cudaGetLastError());
  const double bytes = info.arrays_moved * 16.0 * static_cast<double>(x.vectors);
  std::vector<double> rates;
  for (int r = 0; r < runs; ++r) {
    timer.Start(stream.get());
    Launch(info.kernel, shape, blocks, x, stream.get());
    timer.Stop(stream.get());
    rates.push_back(GigabytesPerSecond(bytes, timer.Seconds()));
  }
  KILN_CUDA_CHECK(cudaGetLastError());
  return rates;
}

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
    DeviceBuffer a(n * 8), b(n * 8), c(n * 8), sum(8);
    DeviceBuffer wrong(sizeof(unsigned long long));
    Arrays arrays{a.as<double2>(), b.as<double2>(), c.as<double2>(), sum.as<double>(), n / kDoublesPerVector};
    Stream stream;
    EventTimer timer;
    const Subject gpu = Subject::Device(ctx.node, fmt::format("gpu{}", device));
    const int sms = prop.multiProcessorCount;
    Init<<<sms * 4, 256, 0, stream.get()>>>(a.as<double>(), b.as<double>(), c.as<double>(), n);
    KILN_CUDA_CHECK(cudaMemsetAsync(sum.as<void>(), 0, sizeof(double), stream.get()));
    KILN_CUDA_CHECK(cudaGetLastError());
    StreamShape chosen_elementwise = ElementwiseShapes().front();
    for (const KernelInfo& info : kKernels) {
      const auto& shapes = info.kernel == HbmKernel::kRead ? ReductionShapes() : ElementwiseShapes();
      ctx.progress->Say(fmt::format("gpu{}: {}", device, info.metric));
      // Choose the shape on a few runs each, then measure it.
      const StreamShape* best = &shapes.front();
      double best_rate = -1;
      for (const StreamShape& shape : shapes) {
        if (ctx.stop.stop_requested()) throw ProbeError("stopped: the step ran past its timeout");
        auto blocks = static_cast<unsigned>(StreamBlocks(shape, arrays.vectors, sms));
        double rate = Median(TimeRuns(info, shape, blocks, arrays, kTrialRuns, stream, timer));
        if (rate > best_rate) {
          best_rate = rate;
          best = &shape;
        }
      }
      if (info.kernel == HbmKernel::kTriad) chosen_elementwise = *best;
      auto blocks = static_cast<unsigned>(StreamBlocks(*best, arrays.vectors, sms));
      std::vector<double> rates = TimeRuns(info, *best, blocks, arrays, samples, stream, timer);
      outcome.measurements.push_back(MakeMeasurement(
          "hbm_bandwidth", info.metric, "GB/s", gpu, rates, true,
          fmt::format("median of {} runs over {} doubles per array in 16-byte vectors, counting the bytes read and "
                      "written ({} array{} of {}); the fastest of {} launch shapes ({} trial runs each): {}",
                      samples, n, info.arrays_moved, info.arrays_moved == 1 ? "" : "s", FormatBytes(n * 8),
                      shapes.size(), kTrialRuns, DescribeShape(*best, blocks))));
    }
    // STREAM's check: one clean pass of the four kernels must leave the values the recurrence predicts.
    Init<<<sms * 4, 256, 0, stream.get()>>>(a.as<double>(), b.as<double>(), c.as<double>(), n);
    auto blocks = static_cast<unsigned>(StreamBlocks(chosen_elementwise, arrays.vectors, sms));
    for (HbmKernel kernel : {HbmKernel::kCopy, HbmKernel::kScale, HbmKernel::kAdd, HbmKernel::kTriad}) {
      Launch(kernel, chosen_elementwise, blocks, arrays, stream.get());
    }
    host_stream::Expected expected = host_stream::ExpectedAfter(1);
    KILN_CUDA_CHECK(cudaMemsetAsync(wrong.as<void>(), 0, sizeof(unsigned long long), stream.get()));
    CountWrong<<<sms * 4, 256, 0, stream.get()>>>(a.as<double>(), b.as<double>(), c.as<double>(), n, expected.a,
                                                  expected.b, expected.c, wrong.as<unsigned long long>());
    KILN_CUDA_CHECK(cudaGetLastError());
    unsigned long long wrong_count = 0;
    KILN_CUDA_CHECK(cudaMemcpyAsync(&wrong_count, wrong.as<void>(), sizeof wrong_count, cudaMemcpyDeviceToHost,
                                    stream.get()));
    KILN_CUDA_CHECK(cudaStreamSynchronize(stream.get()));
    outcome.measurements.push_back(MakeMeasurement("hbm_bandwidth", "hbm.wrong_elements", "count", gpu,
                                                   {static_cast<double>(wrong_count)}, false,
                                                   fmt::format("elements of a, b, c differing from STREAM's expected "
                                                               "values after one pass with {}",
                                                               DescribeShape(chosen_elementwise, blocks))));
  }
  return outcome;
}

}  // namespace kiln::gpu

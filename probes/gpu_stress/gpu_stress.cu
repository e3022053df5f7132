// gpu_stress: repeated large GEMMs (cuBLAS) over most of free memory; every result compared with the first of its
// pass (gpu-burn's check), TFLOPS sampled over time, NVML readings sampled alongside.

#include "probes/gpu_stress/gpu_stress.hpp"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "core/statistics.hpp"
#include "probes/gpu_stress/burn_series.hpp"
#include "probes/gpu_stress/burn_telemetry.hpp"
#include "probes/gpu_stress/gemm_math.hpp"
#include "probes/gpu_stress/gemm_runner.hpp"
#include "probes/gpu_toolkit/bus_id.hpp"
#include "probes/gpu_toolkit/cuda_support.hpp"
#include "probes/gpu_toolkit/element_ops.hpp"
#include "probes/health/nvml_session.hpp"

namespace kiln::gpu {
namespace {

template <typename T>
__device__ T FromFloat(float x) { return static_cast<T>(x); }
template <>
__device__ __nv_bfloat16 FromFloat<__nv_bfloat16>(float x) { return __float2bfloat16(x); }
template <>
__device__ __half FromFloat<__half>(float x) { return __float2half(x); }

template <typename T>
__device__ double ToDouble(T x) { return static_cast<double>(x); }
template <>
__device__ double ToDouble<__nv_bfloat16>(__nv_bfloat16 x) { return static_cast<double>(__bfloat162float(x)); }
template <>
__device__ double ToDouble<__half>(__half x) { return static_cast<double>(__half2float(x)); }

template <typename T>
__global__ void Fill(T* matrix, std::uint64_t elements, std::uint64_t seed) {
  for (std::uint64_t i = blockIdx.x * blockDim.x + threadIdx.x; i < elements; i += std::uint64_t(gridDim.x) * blockDim.x) {
    matrix[i] = FromFloat<T>(MatrixValue(seed, i));
  }
}

template <typename T>
__global__ void CountDifferent(const T* reference, const T* result, std::uint64_t elements, double tolerance,
                               unsigned long long* wrong) {
  unsigned long long local = 0;
  for (std::uint64_t i = blockIdx.x * blockDim.x + threadIdx.x; i < elements; i += std::uint64_t(gridDim.x) * blockDim.x) {
    double difference = fabs(ToDouble(result[i]) - ToDouble(reference[i]));
    local += !(difference <= tolerance);  // NaN counts as wrong
  }
  if (local != 0) atomicAdd(wrong, local);
}

struct TypeResult {
  BurnSeries series;
  BurnWindows windows;
  std::uint64_t wrong = 0;
  std::uint64_t gemms = 0;
  std::uint64_t matrices = 0;
  std::uint64_t chunk = 0;       // GEMMs per timed chunk
  std::string algorithm;         // what burned after the settle time, and how it was chosen
};

template <typename T>
void LaunchFill(T* p, std::uint64_t elements, std::uint64_t seed, cudaStream_t s) {
  Fill<T><<<1024, 256, 0, s>>>(p, elements, seed);
}
template <typename T>
void LaunchCompare(const T* ref, const T* res, std::uint64_t elements, double tol, unsigned long long* wrong,
                   cudaStream_t s) {
  CountDifferent<T><<<1024, 256, 0, s>>>(ref, res, elements, tol, wrong);
}

constexpr std::size_t kWorkspaceBytes = 32u << 20;  // cuBLAS's own default on Hopper
constexpr int kLtCandidates = 4;
constexpr int kTuningRounds = 3;
constexpr double kChunkSeconds = 0.1;

void CheckGemm(cublasStatus_t status) { KILN_CUBLAS_CHECK(status); }

// Times every candidate in interleaved rounds of `chunk` GEMMs, under the load of the burn so far, and returns
// the fastest (candidate 0, cuBLAS's default, when none beats it). `note` says what was compared.
template <typename T>
int ChooseAlgorithm(GemmRunner& gemm, std::uint64_t n, std::uint64_t chunk, T* results, std::uint64_t elements,
                    cudaStream_t stream, std::string& note) {
  const int count = gemm.candidates();
  EventList events(static_cast<std::size_t>(2 * count * kTuningRounds));
  std::vector<std::vector<bool>> timed(kTuningRounds, std::vector<bool>(count, false));
  std::vector<bool> failed(count, false);
  for (int round = 0; round < kTuningRounds; ++round) {
    for (int c = 0; c < count; ++c) {
      if (failed[c]) continue;
      const std::size_t first = static_cast<std::size_t>(2 * (round * count + c));
      KILN_CUDA_CHECK(cudaEventRecord(events[first], stream));
      for (std::uint64_t g = 0; g < chunk && !failed[c]; ++g) {
        failed[c] = gemm.Enqueue(c, results + g * elements) != CUBLAS_STATUS_SUCCESS;
      }
      KILN_CUDA_CHECK(cudaEventRecord(events[first + 1], stream));
      timed[round][c] = !failed[c];
    }
  }
  KILN_CUDA_CHECK(cudaStreamSynchronize(stream));
  KILN_CUDA_CHECK(cudaGetLastError());
  std::vector<std::vector<double>> rates(count);
  for (int round = 0; round < kTuningRounds; ++round) {
    for (int c = 0; c < count; ++c) {
      if (!timed[round][c] || failed[c]) continue;
      const std::size_t first = static_cast<std::size_t>(2 * (round * count + c));
      rates[c].push_back(GemmTflops(n, chunk, events.Seconds(first, first + 1)));
    }
  }
  int best = std::max(FastestCandidate(rates), 0);
  std::string compared;
  for (int c = 0; c < count; ++c) {
    compared += fmt::format("{}{}: {}", c == 0 ? "" : "; ", gemm.Describe(c),
                            rates[c].empty() ? std::string("failed") : fmt::format("{:.1f}", Median(rates[c])));
  }
  note = fmt::format("{}, the fastest of {} candidates timed in {} interleaved rounds of {} GEMMs under load "
                     "(median TFLOPS: {})",
                     gemm.Describe(best), count, kTuningRounds, chunk, compared);
  return best;
}

// One pass: every result matrix once with `algorithm`, an event between chunks of `chunk` GEMMs (appended to
// `chunks`), then every result compared with the first. Returns the pass's wrong elements.
template <typename T>
std::uint64_t RunPass(GemmRunner& gemm, int algorithm, T* results, std::uint64_t elements, std::uint64_t matrices,
                      std::uint64_t chunk, double tolerance, unsigned long long* wrong, const EventList& events,
                      cudaStream_t stream, std::vector<BurnChunk>& chunks) {
  std::size_t recorded = 0;
  KILN_CUDA_CHECK(cudaEventRecord(events[recorded++], stream));
  for (std::uint64_t m = 0; m < matrices; m += chunk) {
    for (std::uint64_t k = m; k < std::min(m + chunk, matrices); ++k) {
      CheckGemm(gemm.Enqueue(algorithm, results + k * elements));
    }
    KILN_CUDA_CHECK(cudaEventRecord(events[recorded++], stream));
  }
  // Every result of the pass against the first: the same inputs must give the same product.
  KILN_CUDA_CHECK(cudaMemsetAsync(wrong, 0, sizeof(unsigned long long), stream));
  for (std::uint64_t m = 1; m < matrices; ++m) {
    LaunchCompare(results, results + m * elements, elements, tolerance, wrong, stream);
  }
  KILN_CUDA_CHECK(cudaGetLastError());
  unsigned long long pass_wrong = 0;
  KILN_CUDA_CHECK(cudaMemcpyAsync(&pass_wrong, wrong, sizeof pass_wrong, cudaMemcpyDeviceToHost, stream));
  KILN_CUDA_CHECK(cudaStreamSynchronize(stream));
  for (std::size_t i = 1; i < recorded; ++i) {
    chunks.push_back({std::min(chunk, matrices - (i - 1) * chunk), events.Seconds(i - 1, i)});
  }
  return pass_wrong;
}

// One GEMM type on the current device for `duration` seconds: a burst with cuBLAS's default, the algorithm
// chosen once the clocks settle, then passes of every result matrix, each checked against the pass's first.
template <typename T>
TypeResult Burn(GemmType type, std::uint64_t n, double fraction, double duration, double sample_seconds,
                const std::stop_token& stop, ProbeProgress& progress) {
  const auto end = std::chrono::steady_clock::now() +
                   std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(duration));
  std::size_t free_bytes = 0, total = 0;
  KILN_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total));
  GemmPlan plan = PlanGemm(free_bytes > kWorkspaceBytes ? free_bytes - kWorkspaceBytes : 0, fraction, n, type);
  if (plan.result_matrices < 2) {
    throw ProbeError(fmt::format("{} matrices of {}x{} do not fit in {} MiB free", Name(type), n, n, free_bytes >> 20));
  }
  const std::uint64_t elements = n * n;
  const std::uint64_t matrices = plan.result_matrices;
  DeviceBuffer a(elements * sizeof(T)), b(elements * sizeof(T)), workspace(kWorkspaceBytes);
  DeviceBuffer results(matrices * elements * sizeof(T));
  DeviceBuffer wrong(sizeof(unsigned long long));
  Stream stream;
  LaunchFill(a.as<T>(), elements, 1, stream.get());
  LaunchFill(b.as<T>(), elements, 2, stream.get());
  // Every result starts as NaN (all bits set): an element that no GEMM writes fails the check instead of
  // matching whatever the memory held.
  KILN_CUDA_CHECK(cudaMemsetAsync(results.as<void>(), 0xFF, results.bytes(), stream.get()));
  KILN_CUDA_CHECK(cudaGetLastError());
  GemmRunner gemm(type, static_cast<int>(n), a.as<void>(), b.as<void>(), workspace.as<void>(), kWorkspaceBytes,
                  stream.get(), kLtCandidates);
  T* const first_result = results.as<T>();
  const double tolerance = ComparisonTolerance(type, std::sqrt(static_cast<double>(n)));

  // Warm-up: loads the kernels; the second GEMM's time sizes the chunks.
  EventTimer timer;
  CheckGemm(gemm.Enqueue(0, first_result));
  timer.Start(stream.get());
  CheckGemm(gemm.Enqueue(0, first_result));
  timer.Stop(stream.get());
  TypeResult result;
  result.matrices = matrices;
  result.chunk = GemmsPerChunk(timer.Seconds(), kChunkSeconds, matrices);
  result.windows = WindowsFor(duration, sample_seconds);
  result.algorithm = gemm.candidates() == 1 ? fmt::format("cublasGemmEx default ({})", gemm.lt_note())
                                            : "cublasGemmEx default (the burn ended before the settle time)";
  EventList events(static_cast<std::size_t>((matrices + result.chunk - 1) / result.chunk + 1));
  std::vector<BurnChunk> chunks;
  double gemm_seconds = 0;
  int algorithm = 0;
  bool chosen = gemm.candidates() == 1;
  do {
    if (stop.stop_requested()) throw ProbeError("stopped: the step ran past its timeout");
    if (!chosen && gemm_seconds >= result.windows.settle_seconds) {
      algorithm = ChooseAlgorithm(gemm, n, result.chunk, first_result, elements, stream.get(), result.algorithm);
      result.windows.settle_seconds = gemm_seconds;  // sustained samples are the chosen algorithm's
      chosen = true;
    }
    const std::size_t before = chunks.size();
    result.wrong += RunPass(gemm, algorithm, first_result, elements, matrices, result.chunk, tolerance,
                            wrong.as<unsigned long long>(), events, stream.get(), chunks);
    result.gemms += matrices;
    for (std::size_t i = before; i < chunks.size(); ++i) gemm_seconds += chunks[i].seconds;
    int device = -1;
    cudaGetDevice(&device);
    progress.Say(fmt::format("gpu{}: {} at {:.1f} TFLOPS, {} GEMMs, {} wrong", device, Name(type),
                             GemmTflops(n, chunks.back().gemms, chunks.back().seconds), result.gemms,
                             result.wrong));
  } while (std::chrono::steady_clock::now() < end);
  result.series = SummarizeBurn(chunks, n, result.windows);
  return result;
}

TypeResult BurnType(GemmType type, std::uint64_t n, double fraction, double duration, double sample_seconds,
                    const std::stop_token& stop, ProbeProgress& progress) {
  switch (type) {
    case GemmType::kFp64: return Burn<double>(type, n, fraction, duration, sample_seconds, stop, progress);
    case GemmType::kFp32:
    case GemmType::kTf32: return Burn<float>(type, n, fraction, duration, sample_seconds, stop, progress);
    case GemmType::kBf16: return Burn<__nv_bfloat16>(type, n, fraction, duration, sample_seconds, stop, progress);
    case GemmType::kFp16: return Burn<__half>(type, n, fraction, duration, sample_seconds, stop, progress);
  }
  throw ProbeError("unknown GEMM type");
}

// The type's throughput (sustained, burst, every sample) and its correctness count.
std::vector<Measurement> TypeMeasurements(const Subject& gpu, std::uint64_t n, const TypeResult& r,
                                          const std::map<std::string, std::string>& labels) {
  std::vector<Measurement> out;
  const BurnSeries& s = r.series;
  const std::string work = fmt::format("{} GEMMs of {}x{} ({} result matrices per pass, timed in chunks of {})",
                                       r.gemms, n, n, r.matrices, r.chunk);
  if (!s.sustained.empty()) {
    std::string which = s.sustained_is_timeline
                            ? fmt::format("every {:g}s sample (the burn ended before settling)", r.windows.sample_seconds)
                            : fmt::format("{} samples of {:g}s from {:.1f}s of GEMM time on", s.sustained.size(),
                                          r.windows.sample_seconds, r.windows.settle_seconds);
    out.push_back(MakeMeasurement("gpu_stress", "gpu.stress.tflops", "TFLOPS", gpu, s.sustained, true,
                                  fmt::format("sustained: median of {}; {}; {}", which, work, r.algorithm), labels));
  }
  if (!s.burst.empty()) {
    // The power limit takes hold within about 0.1 s (H200: 767 TFLOPS in the first chunk, 691 in the next), so
    // the burst is the fastest chunk, not a median over the clamp.
    std::string chunks;
    for (double rate : s.burst) chunks += fmt::format("{}{:.1f}", chunks.empty() ? "" : ", ", rate);
    out.push_back(MakeMeasurement("gpu_stress", "gpu.stress.burst_tflops", "TFLOPS", gpu,
                                  {*std::max_element(s.burst.begin(), s.burst.end())}, true,
                                  fmt::format("burst: the fastest of the {} chunks of {} GEMMs in the first {:g}s, "
                                              "before the power limit holds the clock (cublasGemmEx default; "
                                              "chunks in TFLOPS: {}); {}",
                                              s.burst.size(), r.chunk, r.windows.burst_seconds, chunks, work),
                                  labels));
  }
  if (!s.timeline.empty()) {
    out.push_back(MakeMeasurement("gpu_stress", "gpu.stress.tflops_timeline", "TFLOPS", gpu, s.timeline, true,
                                  fmt::format("every {:g}s sample of GEMM time in order, burst and settling "
                                              "included (the tuning rounds are not); {}",
                                              r.windows.sample_seconds, work),
                                  labels));
  }
  out.push_back(MakeMeasurement(
      "gpu_stress", "gpu.stress.wrong_elements", "count", gpu, {static_cast<double>(r.wrong)}, false,
      fmt::format("elements of each result differing from the pass's first result (gpu-burn check; results start as "
                  "NaN, so an element no GEMM wrote counts too), {}",
                  work),
      labels));
  return out;
}

std::vector<GemmType> ParseTypes(const std::string& text) {
  std::vector<GemmType> types;
  std::stringstream in(text);
  for (std::string word; std::getline(in, word, ',');) {
    GemmType type;
    if (!ParseGemmType(word, type)) throw ProbeError(fmt::format("unknown GEMM type '{}' (fp64, fp32, tf32, bf16, fp16)", word));
    types.push_back(type);
  }
  if (types.empty()) throw ProbeError("no GEMM types given");
  return types;
}

// The NVML readings, matched to CUDA devices through the PCI bus id, each with the windows its device's types ran in.
void AddBurnTelemetry(ProbeOutcome& outcome, const std::string& node, const NvmlSession& nvml,
                      std::map<int, std::vector<TimedSample>>& samples, std::map<int, std::vector<TypeWindow>>& windows,
                      int devices, double sample_seconds) {
  for (int index = 0; index < nvml.DeviceCount(); ++index) {
    std::string bus = NormalizeBusId(nvml.Health(index).pci_bus_id);
    int device = -1;
    for (int d = 0; d < devices; ++d) {
      char cuda_bus[32] = {};
      if (cudaDeviceGetPCIBusId(cuda_bus, sizeof cuda_bus, d) == cudaSuccess && NormalizeBusId(cuda_bus) == bus) device = d;
    }
    if (device < 0 || samples[index].empty()) continue;
    for (Measurement& m : BurnTelemetry(Subject::Device(node, fmt::format("gpu{}", device)), samples[index],
                                        windows[device], sample_seconds)) {
      outcome.measurements.push_back(std::move(m));
    }
  }
}

}  // namespace

ProbeOutcome RunGpuStress(ProbeContext& ctx) {
  const auto types = ParseTypes(ctx.params.String("types"));
  const auto n = static_cast<std::uint64_t>(ctx.params.Int("matrix_size"));
  const double fraction = ctx.params.Double("memory_fraction");
  const double sample_seconds = ctx.params.Duration("sample_interval").count();
  const double per_type = ctx.params.Duration("duration").count() / static_cast<double>(types.size());
  if (n < 256 || n > 65536) throw ProbeError(fmt::format("matrix_size {} must be in 256..65536", n));
  const int devices = DeviceCount();

  // NVML readings in the background, per NVML index; matched to CUDA devices by PCI bus id afterwards.
  std::string nvml_error;
  std::unique_ptr<NvmlSession> nvml = NvmlSession::Open(ctx.env.nvml_library, &nvml_error);
  // Each reading and each type's burn carry their time, so that a type's cause reads the samples taken while it ran.
  const auto start = std::chrono::steady_clock::now();
  auto since_start = [start] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  std::map<int, std::vector<TimedSample>> samples;
  std::atomic<bool> burning{true};
  std::thread sampler([&] {
    while (nvml && burning.load()) {
      for (int i = 0; i < nvml->DeviceCount(); ++i) samples[i].push_back({since_start(), nvml->Sample(i)});
      std::this_thread::sleep_for(std::chrono::duration<double>(sample_seconds));
    }
  });

  std::mutex mutex;
  std::map<int, std::map<GemmType, TypeResult>> results;
  std::map<int, std::vector<TypeWindow>> windows;
  std::map<int, std::string> errors;
  std::vector<std::thread> workers;
  for (int device = 0; device < devices; ++device) {
    workers.emplace_back([&, device] {
      try {
        KILN_CUDA_CHECK(cudaSetDevice(device));
        for (GemmType type : types) {
          const double began = since_start();
          TypeResult r = BurnType(type, n, fraction, per_type, sample_seconds, ctx.stop, *ctx.progress);
          std::lock_guard lock(mutex);
          results[device][type] = std::move(r);
          windows[device].push_back({std::string(Name(type)), began, since_start()});
        }
      } catch (const std::exception& e) {
        std::lock_guard lock(mutex);
        errors[device] = e.what();
      }
    });
  }
  for (std::thread& t : workers) t.join();
  burning = false;
  sampler.join();

  ProbeOutcome outcome;
  for (const auto& [device, by_type] : results) {
    Subject gpu = Subject::Device(ctx.node, fmt::format("gpu{}", device));
    for (const auto& [type, r] : by_type) {
      std::map<std::string, std::string> labels{{"type", std::string(Name(type))}};
      for (Measurement& m : TypeMeasurements(gpu, n, r, labels)) outcome.measurements.push_back(std::move(m));
    }
  }
  if (nvml) AddBurnTelemetry(outcome, ctx.node, *nvml, samples, windows, devices, sample_seconds);
  if (!errors.empty()) {
    std::string reason;
    for (const auto& [device, error] : errors) reason += fmt::format("{}gpu{}: {}", reason.empty() ? "" : "; ", device, error);
    outcome.status = ProbeStatus::kError;
    outcome.reason = reason;
  }
  return outcome;
}

}  // namespace kiln::gpu

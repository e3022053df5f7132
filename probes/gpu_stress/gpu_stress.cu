// gpu_stress: repeated large GEMMs (cuBLAS) over most of free memory; every result compared with the first of its
// pass (gpu-burn's check), TFLOPS sampled over time, NVML readings sampled alongside.

#include "probes/gpu_stress/gpu_stress.hpp"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "probes/gpu/cuda_support.hpp"
#include "probes/gpu/element_ops.hpp"
#include "probes/gpu/gpu_math.hpp"
#include "probes/gpu_stress/burn_telemetry.hpp"
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
  std::vector<double> tflops;
  std::uint64_t wrong = 0;
  std::uint64_t gemms = 0;
  std::uint64_t matrices = 0;
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

// One GEMM type on the current device until `end`.
template <typename T>
TypeResult Burn(GemmType type, std::uint64_t n, double fraction, std::chrono::steady_clock::time_point end,
                double sample_seconds, const std::stop_token& stop) {
  std::size_t free_bytes = 0, total = 0;
  KILN_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total));
  GemmPlan plan = PlanGemm(free_bytes, fraction, n, type);
  if (plan.result_matrices < 2) {
    throw ProbeError(fmt::format("{} matrices of {}x{} do not fit in {} MiB free", Name(type), n, n, free_bytes >> 20));
  }
  std::uint64_t elements = n * n;
  DeviceBuffer a(elements * sizeof(T)), b(elements * sizeof(T));
  DeviceBuffer results(plan.result_matrices * elements * sizeof(T));
  DeviceBuffer wrong(sizeof(unsigned long long));
  Stream stream;
  cublasHandle_t handle = nullptr;
  KILN_CUBLAS_CHECK(cublasCreate(&handle));
  std::unique_ptr<cublasContext, decltype(&cublasDestroy)> handle_owner(handle, &cublasDestroy);
  KILN_CUBLAS_CHECK(cublasSetStream(handle, stream.get()));
  LaunchFill(a.as<T>(), elements, 1, stream.get());
  LaunchFill(b.as<T>(), elements, 2, stream.get());
  KILN_CUDA_CHECK(cudaGetLastError());

  cudaDataType data_type = CUDA_R_32F;
  cublasComputeType_t compute = CUBLAS_COMPUTE_32F;
  switch (type) {
    case GemmType::kFp64: data_type = CUDA_R_64F; compute = CUBLAS_COMPUTE_64F; break;
    case GemmType::kFp32: break;
    case GemmType::kTf32: compute = CUBLAS_COMPUTE_32F_FAST_TF32; break;
    case GemmType::kBf16: data_type = CUDA_R_16BF; break;
    case GemmType::kFp16: data_type = CUDA_R_16F; break;
  }
  const double alpha64 = 1.0, beta64 = 0.0;
  const float alpha32 = 1.0f, beta32 = 0.0f;
  const void* alpha = type == GemmType::kFp64 ? static_cast<const void*>(&alpha64) : &alpha32;
  const void* beta = type == GemmType::kFp64 ? static_cast<const void*>(&beta64) : &beta32;
  const int dim = static_cast<int>(n);
  double tolerance = ComparisonTolerance(type, std::sqrt(static_cast<double>(n)));

  TypeResult result;
  result.matrices = plan.result_matrices;
  EventTimer timer;
  std::uint64_t sample_gemms = 0;
  double sample_elapsed = 0;
  do {
    if (stop.stop_requested()) throw ProbeError("stopped: the step ran past its timeout");
    timer.Start(stream.get());
    for (std::uint64_t m = 0; m < plan.result_matrices; ++m) {
      KILN_CUBLAS_CHECK(cublasGemmEx(handle, CUBLAS_OP_N, CUBLAS_OP_N, dim, dim, dim, alpha, a.as<T>(), data_type, dim,
                                     b.as<T>(), data_type, dim, beta, results.as<T>() + m * elements, data_type, dim,
                                     compute, CUBLAS_GEMM_DEFAULT));
    }
    timer.Stop(stream.get());
    double seconds = timer.Seconds();
    result.gemms += plan.result_matrices;
    sample_gemms += plan.result_matrices;
    sample_elapsed += seconds;
    if (sample_elapsed >= sample_seconds) {
      result.tflops.push_back(GemmTflops(n, sample_gemms, sample_elapsed));
      sample_gemms = 0;
      sample_elapsed = 0;
    }
    // Every result of the pass against the first: the same inputs must give the same product.
    KILN_CUDA_CHECK(cudaMemsetAsync(wrong.as<void>(), 0, sizeof(unsigned long long), stream.get()));
    for (std::uint64_t m = 1; m < plan.result_matrices; ++m) {
      LaunchCompare(results.as<T>(), results.as<T>() + m * elements, elements, tolerance,
                    wrong.as<unsigned long long>(), stream.get());
    }
    unsigned long long pass_wrong = 0;
    KILN_CUDA_CHECK(cudaMemcpyAsync(&pass_wrong, wrong.as<void>(), sizeof pass_wrong, cudaMemcpyDeviceToHost, stream.get()));
    KILN_CUDA_CHECK(cudaStreamSynchronize(stream.get()));
    result.wrong += pass_wrong;
  } while (std::chrono::steady_clock::now() < end);
  if (sample_gemms > 0) result.tflops.push_back(GemmTflops(n, sample_gemms, sample_elapsed));
  return result;
}

TypeResult BurnType(GemmType type, std::uint64_t n, double fraction, std::chrono::steady_clock::time_point end,
                    double sample_seconds, const std::stop_token& stop) {
  switch (type) {
    case GemmType::kFp64: return Burn<double>(type, n, fraction, end, sample_seconds, stop);
    case GemmType::kFp32:
    case GemmType::kTf32: return Burn<float>(type, n, fraction, end, sample_seconds, stop);
    case GemmType::kBf16: return Burn<__nv_bfloat16>(type, n, fraction, end, sample_seconds, stop);
    case GemmType::kFp16: return Burn<__half>(type, n, fraction, end, sample_seconds, stop);
  }
  throw ProbeError("unknown GEMM type");
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
  std::map<int, std::vector<GpuSample>> samples;
  std::atomic<bool> burning{true};
  std::thread sampler([&] {
    while (nvml && burning.load()) {
      for (int i = 0; i < nvml->DeviceCount(); ++i) samples[i].push_back(nvml->Sample(i));
      std::this_thread::sleep_for(std::chrono::duration<double>(sample_seconds));
    }
  });

  std::mutex mutex;
  std::map<int, std::map<GemmType, TypeResult>> results;
  std::map<int, std::string> errors;
  std::vector<std::thread> workers;
  for (int device = 0; device < devices; ++device) {
    workers.emplace_back([&, device] {
      try {
        KILN_CUDA_CHECK(cudaSetDevice(device));
        for (GemmType type : types) {
          auto end = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                            std::chrono::duration<double>(per_type));
          TypeResult r = BurnType(type, n, fraction, end, sample_seconds, ctx.stop);
          std::lock_guard lock(mutex);
          results[device][type] = std::move(r);
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
      std::string method = fmt::format("{} GEMMs of {}x{} ({} result matrices per pass), TFLOPS per {:g}s sample",
                                       r.gemms, n, n, r.matrices, sample_seconds);
      if (!r.tflops.empty()) {
        outcome.measurements.push_back(
            MakeMeasurement("gpu_stress", "gpu.stress.tflops", "TFLOPS", gpu, r.tflops, true, method, labels));
      }
      outcome.measurements.push_back(MakeMeasurement(
          "gpu_stress", "gpu.stress.wrong_elements", "count", gpu, {static_cast<double>(r.wrong)}, false,
          fmt::format("elements of each result differing from the pass's first result (gpu-burn check), {}", method),
          labels));
    }
  }
  // NVML readings, matched to CUDA devices through the PCI bus id.
  if (nvml) {
    for (int index = 0; index < nvml->DeviceCount(); ++index) {
      std::string bus = NormalizeBusId(nvml->Health(index).pci_bus_id);
      int device = -1;
      for (int d = 0; d < devices; ++d) {
        char cuda_bus[32] = {};
        if (cudaDeviceGetPCIBusId(cuda_bus, sizeof cuda_bus, d) == cudaSuccess && NormalizeBusId(cuda_bus) == bus) device = d;
      }
      if (device < 0 || samples[index].empty()) continue;
      for (Measurement& m : BurnTelemetry(Subject::Device(ctx.node, fmt::format("gpu{}", device)), samples[index],
                                          sample_seconds)) {
        outcome.measurements.push_back(std::move(m));
      }
    }
  }
  if (!errors.empty()) {
    std::string reason;
    for (const auto& [device, error] : errors) reason += fmt::format("{}gpu{}: {}", reason.empty() ? "" : "; ", device, error);
    outcome.status = ProbeStatus::kError;
    outcome.reason = reason;
  }
  return outcome;
}

}  // namespace kiln::gpu

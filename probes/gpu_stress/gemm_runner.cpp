#include "probes/gpu_stress/gemm_runner.hpp"

#include <fmt/format.h>

namespace kiln::gpu {

GemmRunner::GemmRunner(GemmType type, int n, const void* a, const void* b, void* workspace,
                       std::size_t workspace_bytes, cudaStream_t stream, int lt_candidates)
    : type_(type), n_(n), a_(a), b_(b), workspace_(workspace), workspace_bytes_(workspace_bytes), stream_(stream) {
  switch (type) {
    case GemmType::kFp64: data_type_ = CUDA_R_64F; compute_ = CUBLAS_COMPUTE_64F; break;
    case GemmType::kFp32: break;
    case GemmType::kTf32: compute_ = CUBLAS_COMPUTE_32F_FAST_TF32; break;
    case GemmType::kBf16: data_type_ = CUDA_R_16BF; break;
    case GemmType::kFp16: data_type_ = CUDA_R_16F; break;
  }
  KILN_CUBLAS_CHECK(cublasCreate(&blas_));
  cublasStatus_t blas_status = cublasSetStream(blas_, stream_);
  if (blas_status == CUBLAS_STATUS_SUCCESS) blas_status = cublasSetWorkspace(blas_, workspace_, workspace_bytes_);
  if (blas_status != CUBLAS_STATUS_SUCCESS) {
    cublasDestroy(blas_);
    KILN_CUBLAS_CHECK(blas_status);
  }
  // cublasLt is an addition: when it cannot describe the problem, the default alone burns.
  const cudaDataType scale = type == GemmType::kFp64 ? CUDA_R_64F : CUDA_R_32F;
  cublasLtMatmulPreference_t preference = nullptr;
  cublasStatus_t status = cublasLtCreate(&lt_);
  if (status == CUBLAS_STATUS_SUCCESS) status = cublasLtMatmulDescCreate(&desc_, compute_, scale);
  if (status == CUBLAS_STATUS_SUCCESS) status = cublasLtMatrixLayoutCreate(&layout_, data_type_, n, n, n);
  if (status == CUBLAS_STATUS_SUCCESS) status = cublasLtMatmulPreferenceCreate(&preference);
  std::uint64_t bytes = workspace_bytes_;
  if (status == CUBLAS_STATUS_SUCCESS) {
    status = cublasLtMatmulPreferenceSetAttribute(preference, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &bytes,
                                                  sizeof bytes);
  }
  std::vector<cublasLtMatmulHeuristicResult_t> results(static_cast<std::size_t>(std::max(lt_candidates, 0)));
  int returned = 0;
  if (status == CUBLAS_STATUS_SUCCESS && !results.empty()) {
    status = cublasLtMatmulAlgoGetHeuristic(lt_, desc_, layout_, layout_, layout_, layout_, preference,
                                            static_cast<int>(results.size()), results.data(), &returned);
  }
  if (preference != nullptr) cublasLtMatmulPreferenceDestroy(preference);
  if (status != CUBLAS_STATUS_SUCCESS) {
    lt_note_ = fmt::format("cublasLt offered no algorithm: {}", cublasGetStatusString(status));
    return;
  }
  for (int i = 0; i < returned; ++i) {
    if (results[i].state == CUBLAS_STATUS_SUCCESS && results[i].workspaceSize <= workspace_bytes_) {
      algos_.push_back(results[i].algo);
    }
  }
  if (algos_.empty()) lt_note_ = "cublasLt's heuristics returned no usable algorithm";
}

GemmRunner::~GemmRunner() {
  if (layout_ != nullptr) cublasLtMatrixLayoutDestroy(layout_);
  if (desc_ != nullptr) cublasLtMatmulDescDestroy(desc_);
  if (lt_ != nullptr) cublasLtDestroy(lt_);
  if (blas_ != nullptr) cublasDestroy(blas_);
}

cublasStatus_t GemmRunner::Enqueue(int candidate, void* c) {
  const bool fp64 = type_ == GemmType::kFp64;
  const void* alpha = fp64 ? static_cast<const void*>(&alpha64_) : &alpha32_;
  const void* beta = fp64 ? static_cast<const void*>(&beta64_) : &beta32_;
  if (candidate <= 0 || candidate > static_cast<int>(algos_.size())) {
    return cublasGemmEx(blas_, CUBLAS_OP_N, CUBLAS_OP_N, n_, n_, n_, alpha, a_, data_type_, n_, b_, data_type_, n_,
                        beta, c, data_type_, n_, compute_, CUBLAS_GEMM_DEFAULT);
  }
  return cublasLtMatmul(lt_, desc_, alpha, a_, layout_, b_, layout_, beta, c, layout_, c, layout_,
                        &algos_[static_cast<std::size_t>(candidate - 1)], workspace_, workspace_bytes_, stream_);
}

std::string GemmRunner::Describe(int candidate) const {
  if (candidate <= 0 || candidate > static_cast<int>(algos_.size())) return "cublasGemmEx default";
  const cublasLtMatmulAlgo_t& algo = algos_[static_cast<std::size_t>(candidate - 1)];
  std::int32_t id = -1, split_k = 1;
  std::uint32_t tile = 0, stages = 0;
  std::size_t written = 0;
  cublasLtMatmulAlgoConfigGetAttribute(&algo, CUBLASLT_ALGO_CONFIG_ID, &id, sizeof id, &written);
  cublasLtMatmulAlgoConfigGetAttribute(&algo, CUBLASLT_ALGO_CONFIG_TILE_ID, &tile, sizeof tile, &written);
  cublasLtMatmulAlgoConfigGetAttribute(&algo, CUBLASLT_ALGO_CONFIG_STAGES_ID, &stages, sizeof stages, &written);
  cublasLtMatmulAlgoConfigGetAttribute(&algo, CUBLASLT_ALGO_CONFIG_SPLITK_NUM, &split_k, sizeof split_k, &written);
  return fmt::format("cublasLt heuristic {} of {} (algo {}, tile {}, stages {}, split-K {})", candidate,
                     algos_.size(), id, tile, stages, split_k);
}

}  // namespace kiln::gpu

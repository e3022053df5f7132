#pragma once
// One n x n GEMM (C = A B) of one type on one stream, and the ways to run it: cuBLAS's default (cublasGemmEx) and
// the algorithms cublasLt's heuristics propose for the same problem and workspace. The burn times them under load
// and keeps the fastest. For the plugin only (host code: no kernels here).

#include <cublasLt.h>

#include <string>
#include <vector>

#include "probes/gpu_toolkit/cuda_support.hpp"
#include "probes/gpu_stress/gemm_math.hpp"

namespace kiln::gpu {

class GemmRunner {
 public:
  // a, b: n x n inputs; workspace: shared by both libraries (same stream, never concurrent).
  GemmRunner(GemmType type, int n, const void* a, const void* b, void* workspace, std::size_t workspace_bytes,
             cudaStream_t stream, int lt_candidates);
  ~GemmRunner();
  GemmRunner(const GemmRunner&) = delete;
  GemmRunner& operator=(const GemmRunner&) = delete;

  // Candidate 0 is cublasGemmEx's default; 1.. are cublasLt's heuristic results, best first.
  int candidates() const { return 1 + static_cast<int>(algos_.size()); }
  // Enqueues C = A B with `candidate`; the library's status, without throwing.
  cublasStatus_t Enqueue(int candidate, void* c);
  // "cublasLt heuristic 2 of 4 (algo 66, tile 20, stages 35, split-K 1)".
  std::string Describe(int candidate) const;
  // Why cublasLt offers no candidate ("" when it does).
  const std::string& lt_note() const { return lt_note_; }

 private:
  GemmType type_;
  int n_;
  const void *a_, *b_;
  void* workspace_;
  std::size_t workspace_bytes_;
  cudaStream_t stream_;
  cudaDataType data_type_ = CUDA_R_32F;
  cublasComputeType_t compute_ = CUBLAS_COMPUTE_32F;
  double alpha64_ = 1.0, beta64_ = 0.0;
  float alpha32_ = 1.0f, beta32_ = 0.0f;
  cublasHandle_t blas_ = nullptr;
  cublasLtHandle_t lt_ = nullptr;
  cublasLtMatmulDesc_t desc_ = nullptr;
  cublasLtMatrixLayout_t layout_ = nullptr;
  std::vector<cublasLtMatmulAlgo_t> algos_;
  std::string lt_note_;
};

}  // namespace kiln::gpu

#pragma once
// CUDA helpers for the plugin's .cu files only: checked calls and owning buffers.

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <fmt/format.h>
#include <nccl.h>

#include <string>
#include <vector>

#include "core/errors.hpp"

namespace kiln::gpu {


inline std::string CurrentDeviceText() {
  int device = -1;
  cudaGetDevice(&device);
  return fmt::format("gpu{}", device);
}

inline void CheckCuda(cudaError_t code, const char* call, const char* file, int line) {
  if (code == cudaSuccess) return;
  throw ProbeError(fmt::format("{} failed at {}:{} on {}: {} ({})", call, file, line, CurrentDeviceText(),
                               cudaGetErrorString(code), cudaGetErrorName(code)));
}
inline void CheckCublas(cublasStatus_t code, const char* call, const char* file, int line) {
  if (code == CUBLAS_STATUS_SUCCESS) return;
  throw ProbeError(fmt::format("{} failed at {}:{} on {}: {}", call, file, line, CurrentDeviceText(),
                               cublasGetStatusString(code)));
}
inline void CheckNccl(ncclResult_t code, const char* call, const char* file, int line) {
  if (code == ncclSuccess) return;
  throw ProbeError(fmt::format("{} failed at {}:{} on {}: {}", call, file, line, CurrentDeviceText(),
                               ncclGetErrorString(code)));
}

#define KILN_CUDA_CHECK(call) ::kiln::gpu::CheckCuda((call), #call, __FILE__, __LINE__)
#define KILN_CUBLAS_CHECK(call) ::kiln::gpu::CheckCublas((call), #call, __FILE__, __LINE__)
#define KILN_NCCL_CHECK(call) ::kiln::gpu::CheckNccl((call), #call, __FILE__, __LINE__)

class DeviceBuffer {
 public:
  explicit DeviceBuffer(std::size_t bytes) : bytes_(bytes) { KILN_CUDA_CHECK(cudaMalloc(&data_, bytes)); }
  ~DeviceBuffer() {
    if (data_ != nullptr) cudaFree(data_);
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& other) noexcept : data_(other.data_), bytes_(other.bytes_) { other.data_ = nullptr; }
  template <typename T>
  T* as() const { return static_cast<T*>(data_); }
  std::size_t bytes() const { return bytes_; }

 private:
  void* data_ = nullptr;
  std::size_t bytes_ = 0;
};

class PinnedBuffer {
 public:
  explicit PinnedBuffer(std::size_t bytes) { KILN_CUDA_CHECK(cudaMallocHost(&data_, bytes)); }
  ~PinnedBuffer() {
    if (data_ != nullptr) cudaFreeHost(data_);
  }
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;
  void* get() const { return data_; }

 private:
  void* data_ = nullptr;
};

class Stream {
 public:
  Stream() { KILN_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking)); }
  ~Stream() { cudaStreamDestroy(stream_); }
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  cudaStream_t get() const { return stream_; }

 private:
  cudaStream_t stream_{};
};

// Times work enqueued on a stream between Start() and Stop() with CUDA events.
class EventTimer {
 public:
  EventTimer() {
    KILN_CUDA_CHECK(cudaEventCreate(&start_));
    KILN_CUDA_CHECK(cudaEventCreate(&stop_));
  }
  ~EventTimer() {
    cudaEventDestroy(start_);
    cudaEventDestroy(stop_);
  }
  EventTimer(const EventTimer&) = delete;
  EventTimer& operator=(const EventTimer&) = delete;
  void Start(cudaStream_t stream) { KILN_CUDA_CHECK(cudaEventRecord(start_, stream)); }
  void Stop(cudaStream_t stream) { KILN_CUDA_CHECK(cudaEventRecord(stop_, stream)); }
  double Seconds() {
    KILN_CUDA_CHECK(cudaEventSynchronize(stop_));
    float ms = 0;
    KILN_CUDA_CHECK(cudaEventElapsedTime(&ms, start_, stop_));
    return ms / 1e3;
  }

 private:
  cudaEvent_t start_{}, stop_{};
};

// Several CUDA events owned together: chunk boundaries of a pass, the ends of concurrent copies.
class EventList {
 public:
  explicit EventList(std::size_t count) : events_(count) {
    for (cudaEvent_t& e : events_) KILN_CUDA_CHECK(cudaEventCreate(&e));
  }
  ~EventList() {
    for (cudaEvent_t e : events_) cudaEventDestroy(e);
  }
  EventList(const EventList&) = delete;
  EventList& operator=(const EventList&) = delete;
  cudaEvent_t operator[](std::size_t i) const { return events_[i]; }
  // GPU time from event `from` to event `to`, both already reached.
  double Seconds(std::size_t from, std::size_t to) const {
    float ms = 0;
    KILN_CUDA_CHECK(cudaEventElapsedTime(&ms, events_[from], events_[to]));
    return ms / 1e3;
  }

 private:
  std::vector<cudaEvent_t> events_;
};

inline int DeviceCount() {
  int count = 0;
  KILN_CUDA_CHECK(cudaGetDeviceCount(&count));
  return count;
}

}  // namespace kiln::gpu

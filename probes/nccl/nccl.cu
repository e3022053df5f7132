// nccl: collectives over every GPU of the job, one rank per GPU, the NCCL communicator made from the MPI group
// (unique id broadcast through the Kiln communicator). The size sweep is the one of every collective probe
// (probes/common/collective_sweep.hpp): paced by the deadline, algbw/busbw as nccl-tests counts, results checked exactly.

#include "probes/nccl/nccl.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <thread>

#include "core/units.hpp"
#include "probes/gpu_toolkit/cuda_support.hpp"
#include "probes/gpu_toolkit/element_ops.hpp"
#include "probes/common/collective_math.hpp"
#include "probes/common/collective_sweep.hpp"
#include "probes/common/sweep_group.hpp"

namespace kiln::gpu {
namespace {

using collective::Collective;

struct CollectiveName {
  const char* name;
  Collective collective;
};
constexpr CollectiveName kCollectives[] = {
    {"all_reduce", Collective::kAllReduce}, {"all_gather", Collective::kAllGather},
    {"reduce_scatter", Collective::kReduceScatter}, {"alltoall", Collective::kAllToAll},
    {"broadcast", Collective::kBroadcast},
};

__global__ void FillInput(float* send, std::uint64_t count, int rank) {
  for (std::uint64_t i = blockIdx.x * blockDim.x + threadIdx.x; i < count; i += std::uint64_t(gridDim.x) * blockDim.x) {
    send[i] = CollectiveInput(rank, i);
  }
}

// The exact value element j of `rank`'s output must hold; `chunk` is the per-rank share of the elements.
__device__ float Expected(Collective c, int ranks, int rank, std::uint64_t j, std::uint64_t chunk) {
  switch (c) {
    case Collective::kAllReduce: return CollectiveSum(ranks, j);
    case Collective::kBroadcast: return CollectiveInput(0, j);
    case Collective::kAllGather: return CollectiveInput(static_cast<int>(j / chunk), j % chunk);
    case Collective::kReduceScatter: return CollectiveSum(ranks, static_cast<std::uint64_t>(rank) * chunk + j);
    case Collective::kAllToAll:
      return CollectiveInput(static_cast<int>(j / chunk), static_cast<std::uint64_t>(rank) * chunk + j % chunk);
    default: return 0;
  }
}

__global__ void CountWrongElements(Collective c, const float* received, std::uint64_t count, int ranks, int rank,
                           std::uint64_t chunk, unsigned long long* wrong) {
  unsigned long long local = 0;
  for (std::uint64_t j = blockIdx.x * blockDim.x + threadIdx.x; j < count; j += std::uint64_t(gridDim.x) * blockDim.x) {
    local += received[j] != Expected(c, ranks, rank, j, chunk);
  }
  if (local != 0) atomicAdd(wrong, local);
}

// Waits for `stream` while watching for NCCL errors and the step's stop; aborts the communicator on either
// (nccl-tests' way), so a hung collective cannot hang the probe.
void WaitOrAbort(cudaStream_t stream, ncclComm_t comm, const std::stop_token& stop) {
  while (true) {
    cudaError_t state = cudaStreamQuery(stream);
    if (state == cudaSuccess) return;
    if (state != cudaErrorNotReady) KILN_CUDA_CHECK(state);
    ncclResult_t async = ncclSuccess;
    KILN_NCCL_CHECK(ncclCommGetAsyncError(comm, &async));
    if (async != ncclSuccess) {
      ncclCommAbort(comm);
      throw ProbeError(fmt::format("NCCL reported an asynchronous error: {}", ncclGetErrorString(async)));
    }
    if (stop.stop_requested()) {
      ncclCommAbort(comm);
      throw ProbeError("stopped: the collective ran past the step's timeout (NCCL communicator aborted)");
    }
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
}

void Launch(Collective c, const float* send, float* receive, std::uint64_t count, std::uint64_t chunk, int ranks,
            ncclComm_t comm, cudaStream_t stream) {
  switch (c) {
    case Collective::kAllReduce:
      KILN_NCCL_CHECK(ncclAllReduce(send, receive, count, ncclFloat, ncclSum, comm, stream));
      break;
    case Collective::kBroadcast:
      KILN_NCCL_CHECK(ncclBroadcast(send, receive, count, ncclFloat, 0, comm, stream));
      break;
    case Collective::kAllGather:
      KILN_NCCL_CHECK(ncclAllGather(send, receive, chunk, ncclFloat, comm, stream));
      break;
    case Collective::kReduceScatter:
      KILN_NCCL_CHECK(ncclReduceScatter(send, receive, chunk, ncclFloat, ncclSum, comm, stream));
      break;
    case Collective::kAllToAll:
      KILN_NCCL_CHECK(ncclGroupStart());
      for (int peer = 0; peer < ranks; ++peer) {
        KILN_NCCL_CHECK(ncclSend(send + static_cast<std::uint64_t>(peer) * chunk, chunk, ncclFloat, peer, comm, stream));
        KILN_NCCL_CHECK(ncclRecv(receive + static_cast<std::uint64_t>(peer) * chunk, chunk, ncclFloat, peer, comm, stream));
      }
      KILN_NCCL_CHECK(ncclGroupEnd());
      break;
    default:
      throw ProbeError("collective not supported");
  }
}

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (!value.empty()) ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) ::setenv(name_, old_->c_str(), 1); else ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// One NCCL collective for the sweep: nccl-tests' element counts (a multiple of the ranks), its launch, its check.
class NcclCollective final : public SweepCollective {
 public:
  NcclCollective(Collective c, int rank, int ranks, ncclComm_t comm, std::stop_token stop)
      : c_(c), rank_(rank), ranks_(ranks), comm_(comm), stop_(std::move(stop)) {
    std::size_t total = 0;
    KILN_CUDA_CHECK(cudaMemGetInfo(&free_bytes_, &total));
  }
  SizePlan Plan(std::uint64_t size) const override {
    const auto n = static_cast<std::uint64_t>(ranks_);
    const std::uint64_t count = size / sizeof(float) / n * n;
    SizePlan plan{SizePlan::Fit::kRun, size, static_cast<double>(count * sizeof(float)),
                  FormatBytes(count * sizeof(float)), ""};
    if (count == 0) plan.fit = SizePlan::Fit::kSkip;
    // Send, receive and NCCL's own buffers: a size that does not fit ends the sweep (no larger one fits either).
    if (3 * count * sizeof(float) > free_bytes_ * 9 / 10) plan.fit = SizePlan::Fit::kEndSweep;
    return plan;
  }
  void Prepare(const SizePlan& plan) override {
    count_ = static_cast<std::uint64_t>(plan.bytes) / sizeof(float);
    chunk_ = count_ / static_cast<std::uint64_t>(ranks_);
    send_count_ = c_ == Collective::kAllGather ? chunk_ : count_;
    receive_count_ = c_ == Collective::kReduceScatter ? chunk_ : count_;
    send_.reset();
    receive_.reset();
    send_.emplace(send_count_ * sizeof(float));
    receive_.emplace(receive_count_ * sizeof(float));
    FillInput<<<1024, 256, 0, stream_.get()>>>(send_->as<float>(), send_count_, rank_);
    KILN_CUDA_CHECK(cudaGetLastError());
  }
  double TimeIterations(int iterations) override {
    timer_.Start(stream_.get());
    for (int i = 0; i < iterations; ++i) {
      Launch(c_, send_->as<float>(), receive_->as<float>(), count_, chunk_, ranks_, comm_, stream_.get());
    }
    timer_.Stop(stream_.get());
    WaitOrAbort(stream_.get(), comm_, stop_);
    return timer_.Seconds() / iterations;
  }
  void ClearOutput() override {
    KILN_CUDA_CHECK(cudaMemsetAsync(receive_->as<void>(), 0xff, receive_count_ * sizeof(float), stream_.get()));
  }
  std::int64_t CountWrong() override {
    KILN_CUDA_CHECK(cudaMemsetAsync(wrong_.as<void>(), 0, sizeof(unsigned long long), stream_.get()));
    CountWrongElements<<<1024, 256, 0, stream_.get()>>>(c_, receive_->as<float>(), receive_count_, ranks_, rank_,
                                                         chunk_, wrong_.as<unsigned long long>());
    KILN_CUDA_CHECK(cudaGetLastError());
    unsigned long long wrong = 0;
    KILN_CUDA_CHECK(cudaMemcpyAsync(&wrong, wrong_.as<void>(), sizeof wrong, cudaMemcpyDeviceToHost, stream_.get()));
    KILN_CUDA_CHECK(cudaStreamSynchronize(stream_.get()));
    return static_cast<std::int64_t>(wrong);
  }

 private:
  Collective c_;
  int rank_, ranks_;
  ncclComm_t comm_;
  std::stop_token stop_;
  std::size_t free_bytes_ = 0;
  Stream stream_;
  EventTimer timer_;
  DeviceBuffer wrong_{sizeof(unsigned long long)};
  std::optional<DeviceBuffer> send_, receive_;
  std::uint64_t count_ = 0, chunk_ = 0, send_count_ = 0, receive_count_ = 0;
};

// The collectives the parameter names, in its order.
std::vector<CollectiveName> ParseCollectives(const std::string& text) {
  std::vector<CollectiveName> chosen;
  std::stringstream list(text);
  for (std::string word; std::getline(list, word, ',');) {
    const auto* found = std::find_if(std::begin(kCollectives), std::end(kCollectives),
                                     [&](const CollectiveName& c) { return word == c.name; });
    if (found == std::end(kCollectives)) throw ProbeError(fmt::format("unknown collective '{}'", word));
    chosen.push_back(*found);
  }
  return chosen;
}

// One GPU per rank: the rank's place among the ranks of its node.
void SelectDevice(const ProbeContext& ctx) {
  int local = 0;
  for (int r = 0; r < ctx.comm->Rank(); ++r) local += ctx.members[static_cast<std::size_t>(r)] == ctx.node;
  KILN_CUDA_CHECK(cudaSetDevice(local % DeviceCount()));
}

using NcclCommPtr = std::unique_ptr<ncclComm, decltype(&ncclCommDestroy)>;

// The NCCL communicator of the group: rank 0's unique id broadcast through the Kiln communicator.
NcclCommPtr CreateComm(Communicator& group, const std::string& algo) {
  ncclUniqueId id{};
  if (group.Rank() == 0) KILN_NCCL_CHECK(ncclGetUniqueId(&id));
  std::string id_bytes = group.BroadcastFromRoot(std::string(id.internal, sizeof id.internal));
  std::copy(id_bytes.begin(), id_bytes.end(), id.internal);
  ncclComm_t comm = nullptr;
  ScopedEnv algo_env("NCCL_ALGO", algo);
  KILN_NCCL_CHECK(ncclCommInitRank(&comm, group.Size(), id, group.Rank()));
  return NcclCommPtr(comm, &ncclCommDestroy);
}

}  // namespace

ProbeOutcome RunNccl(ProbeContext& ctx) {
  SelectDevice(ctx);
  const std::vector<CollectiveName> collectives = ParseCollectives(ctx.params.String("collectives"));
  SweepOptions options;
  options.sizes = ctx.params.ByteList("sizes");
  options.warmup = 1;
  options.samples = static_cast<int>(ctx.params.Int("samples"));
  options.sample_seconds = 0;  // nccl-tests' way: a fixed count per sample
  options.max_iterations = static_cast<int>(ctx.params.Int("iterations"));
  if (options.samples < 1 || options.max_iterations < 1) throw ProbeError("samples and iterations must be at least 1");
  const std::string algo = ctx.params.String("algo");
  NcclCommPtr comm = CreateComm(*ctx.comm, algo);

  CommunicatorGroup group(*ctx.comm);
  CollectiveSweep sweep(group, ctx);
  ProbeOutcome outcome;
  for (std::size_t c = 0; c < collectives.size(); ++c) {
    const SweepSpec spec{"nccl", "nccl", collectives[c].collective, collectives[c].name,
                         fmt::format("; NCCL {}{}", NCCL_VERSION_CODE, algo.empty() ? "" : ", NCCL_ALGO=" + algo),
                         "elements of the last result differing from the exact value, all ranks",
                         {{"collective", collectives[c].name}},
                         fmt::format("collective {} of {}, ", c + 1, collectives.size())};
    NcclCollective collective(collectives[c].collective, group.Rank(), group.Size(), comm.get(), ctx.stop);
    if (!sweep.Run(collective, spec, options, outcome)) break;
  }
  sweep.Finish(collectives.size() * options.sizes.size(), outcome);
  return outcome;
}

}  // namespace kiln::gpu

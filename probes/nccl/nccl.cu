// nccl: collectives over every GPU of the job, one rank per GPU, the NCCL communicator made from the MPI group
// (unique id broadcast through the Kiln communicator). algbw/busbw as nccl-tests counts; results checked exactly.

#include "probes/nccl/nccl.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <set>
#include <sstream>
#include <thread>

#include "core/units.hpp"
#include "probes/gpu_toolkit/cuda_support.hpp"
#include "probes/gpu_toolkit/element_ops.hpp"
#include "probes/common/collective_math.hpp"

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

__global__ void CountWrong(Collective c, const float* received, std::uint64_t count, int ranks, int rank,
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

}  // namespace

ProbeOutcome RunNccl(ProbeContext& ctx) {
  Communicator& group = *ctx.comm;
  const int rank = group.Rank(), ranks = group.Size();
  // One GPU per rank: the rank's place among the ranks of its node.
  int local = 0;
  for (int r = 0; r < rank; ++r) local += ctx.members[static_cast<std::size_t>(r)] == ctx.node;
  KILN_CUDA_CHECK(cudaSetDevice(local % DeviceCount()));

  std::vector<Collective> collectives;
  std::vector<std::string> names;
  std::stringstream list(ctx.params.String("collectives"));
  for (std::string word; std::getline(list, word, ',');) {
    bool known = false;
    for (const auto& c : kCollectives) {
      if (word == c.name) {
        collectives.push_back(c.collective);
        names.push_back(c.name);
        known = true;
      }
    }
    if (!known) throw ProbeError(fmt::format("unknown collective '{}'", word));
  }
  const int samples = static_cast<int>(ctx.params.Int("samples"));
  const int iterations = static_cast<int>(ctx.params.Int("iterations"));
  if (samples < 1 || iterations < 1) throw ProbeError("samples and iterations must be at least 1");

  ncclUniqueId id{};
  if (rank == 0) KILN_NCCL_CHECK(ncclGetUniqueId(&id));
  std::string id_bytes = group.BroadcastFromRoot(std::string(id.internal, sizeof id.internal));
  std::copy(id_bytes.begin(), id_bytes.end(), id.internal);
  ncclComm_t comm = nullptr;
  {
    ScopedEnv algo("NCCL_ALGO", ctx.params.String("algo"));
    KILN_NCCL_CHECK(ncclCommInitRank(&comm, ranks, id, rank));
  }
  std::unique_ptr<ncclComm, decltype(&ncclCommDestroy)> comm_owner(comm, &ncclCommDestroy);

  std::set<std::string> nodes(ctx.members.begin(), ctx.members.end());
  Subject subject = Subject::Group({nodes.begin(), nodes.end()});
  Stream stream;
  EventTimer timer;
  ProbeOutcome outcome;
  std::size_t free_bytes = 0, total = 0;
  KILN_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total));
  for (std::size_t c = 0; c < collectives.size(); ++c) {
    for (std::uint64_t size : ctx.params.ByteList("sizes")) {
      std::uint64_t count = size / sizeof(float) / static_cast<std::uint64_t>(ranks) * static_cast<std::uint64_t>(ranks);
      if (count == 0) continue;
      if (3 * count * sizeof(float) > free_bytes * 9 / 10) break;  // the rest of the sweep does not fit either
      ctx.progress->Say(fmt::format("collective {} of {}, {}", c + 1, collectives.size(), FormatBytes(size)));
      if (ctx.stop.stop_requested()) throw ProbeError("stopped: the step ran past its timeout");
      std::uint64_t chunk = count / static_cast<std::uint64_t>(ranks);
      std::uint64_t send_count = collectives[c] == Collective::kAllGather ? chunk : count;
      std::uint64_t receive_count = collectives[c] == Collective::kReduceScatter ? chunk : count;
      DeviceBuffer send(send_count * sizeof(float)), receive(receive_count * sizeof(float));
      DeviceBuffer wrong(sizeof(unsigned long long));
      FillInput<<<1024, 256, 0, stream.get()>>>(send.as<float>(), send_count, rank);
      KILN_CUDA_CHECK(cudaGetLastError());
      Launch(collectives[c], send.as<float>(), receive.as<float>(), count, chunk, ranks, comm, stream.get());  // warm-up
      WaitOrAbort(stream.get(), comm, ctx.stop);
      std::vector<double> times, algbw, busbw;
      for (int s = 0; s < samples; ++s) {
        KILN_CUDA_CHECK(cudaMemsetAsync(receive.as<void>(), 0xff, receive_count * sizeof(float), stream.get()));
        timer.Start(stream.get());
        for (int i = 0; i < iterations; ++i) {
          Launch(collectives[c], send.as<float>(), receive.as<float>(), count, chunk, ranks, comm, stream.get());
        }
        timer.Stop(stream.get());
        WaitOrAbort(stream.get(), comm, ctx.stop);
        double local_seconds = timer.Seconds() / iterations;
        // The collective's time is the slowest rank's.
        double seconds = static_cast<double>(group.AllreduceMax(static_cast<std::int64_t>(local_seconds * 1e9))) / 1e9;
        times.push_back(seconds * 1e6);
        algbw.push_back(collective::AlgorithmBandwidth(static_cast<double>(count * sizeof(float)), seconds));
        busbw.push_back(algbw.back() * collective::BusBandwidthFactor(collectives[c], ranks));
      }
      KILN_CUDA_CHECK(cudaMemsetAsync(wrong.as<void>(), 0, sizeof(unsigned long long), stream.get()));
      CountWrong<<<1024, 256, 0, stream.get()>>>(collectives[c], receive.as<float>(), receive_count, ranks, rank, chunk,
                                                 wrong.as<unsigned long long>());
      unsigned long long wrong_local = 0;
      KILN_CUDA_CHECK(cudaMemcpyAsync(&wrong_local, wrong.as<void>(), sizeof wrong_local, cudaMemcpyDeviceToHost, stream.get()));
      KILN_CUDA_CHECK(cudaStreamSynchronize(stream.get()));
      // Every rank's count reaches rank 0 (a sum through the text gather keeps this free of MPI).
      std::vector<std::string> counts = group.GatherToRoot(std::to_string(wrong_local));
      if (rank != 0) continue;
      double wrong_total = 0;
      for (const std::string& text : counts) wrong_total += std::stod(text);
      std::map<std::string, std::string> labels{{"collective", names[c]}, {"size", FormatBytes(count * sizeof(float))}};
      std::string method = fmt::format("{} ranks; {} samples of {} iterations after a warm-up; slowest rank; "
                                       "NCCL {}{}", ranks, samples, iterations, NCCL_VERSION_CODE,
                                       ctx.params.String("algo").empty() ? "" : ", NCCL_ALGO=" + ctx.params.String("algo"));
      outcome.measurements.push_back(MakeMeasurement("nccl", "nccl.busbw", "GB/s", subject, busbw, true, method, labels));
      outcome.measurements.push_back(MakeMeasurement("nccl", "nccl.algbw", "GB/s", subject, algbw, true, method, labels));
      outcome.measurements.push_back(MakeMeasurement("nccl", "nccl.time", "us", subject, times, false, method, labels));
      outcome.measurements.push_back(MakeMeasurement("nccl", "nccl.wrong_elements", "count", subject, {wrong_total}, false,
                                                     "elements of the last result differing from the exact value, all ranks",
                                                     labels));
    }
  }
  return outcome;
}

}  // namespace kiln::gpu

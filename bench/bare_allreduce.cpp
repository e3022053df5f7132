// The reference Kiln's mpi_allreduce is compared with: a bare timed MPI_Allreduce loop, nothing else.
// Per size: 2 warm-up calls, then 5 samples of a fixed number of calls between barriers; the slowest rank's
// time per call; the median sample. Prints "size_bytes busbw_GBps".
// Usage: bare_allreduce [MAX_BYTES] [single|multiple]: the MPI thread level (kiln runs under multiple, which its
// watchdog needs; Open MPI then locks on every call, which shows in small-message latency).

#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  bool multiple = argc > 2 && std::string(argv[2]) == "multiple";
  int provided = 0;
  MPI_Init_thread(&argc, &argv, multiple ? MPI_THREAD_MULTIPLE : MPI_THREAD_SINGLE, &provided);
  int rank = 0, ranks = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  long max_bytes = argc > 1 ? std::atol(argv[1]) : 64L << 20;
  std::vector<float> send(static_cast<std::size_t>(max_bytes / 4), 1.0f), receive(send.size());
  for (long bytes = 8; bytes <= max_bytes; bytes *= 2) {
    int count = static_cast<int>(bytes / 4);
    int iterations = bytes <= (1L << 20) ? 100 : std::max(2L, 100L * (1L << 20) / bytes);
    for (int i = 0; i < 2; ++i) MPI_Allreduce(send.data(), receive.data(), count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    std::vector<double> samples;
    for (int s = 0; s < 5; ++s) {
      MPI_Barrier(MPI_COMM_WORLD);
      double start = MPI_Wtime();
      for (int i = 0; i < iterations; ++i) {
        MPI_Allreduce(send.data(), receive.data(), count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
      }
      double per_call = (MPI_Wtime() - start) / iterations, slowest = 0;
      MPI_Allreduce(&per_call, &slowest, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
      samples.push_back(static_cast<double>(bytes) / slowest / 1e9 * 2.0 * (ranks - 1) / ranks);
    }
    std::sort(samples.begin(), samples.end());
    if (rank == 0) std::printf("%ld %.4f\n", bytes, samples[2]);
  }
  MPI_Finalize();
  return 0;
}

// The floor of bench/harness_overhead.sh: an MPI program that starts, says who it is once, and ends.
#include <mpi.h>

#include <cstdio>
#include <cstring>

// Usage: mpi_hello [multiple]: MPI_THREAD_MULTIPLE as kiln asks, else MPI_THREAD_SINGLE.
int main(int argc, char** argv) {
  int provided = 0;
  bool multiple = argc > 1 && std::strcmp(argv[1], "multiple") == 0;
  MPI_Init_thread(&argc, &argv, multiple ? MPI_THREAD_MULTIPLE : MPI_THREAD_SINGLE, &provided);
  int rank = 0, size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  MPI_Barrier(MPI_COMM_WORLD);
  if (rank == 0) std::printf("hello from %d ranks\n", size);
  MPI_Finalize();
  return 0;
}

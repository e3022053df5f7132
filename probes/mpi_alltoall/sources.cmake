kiln_probe_sources(KILN mpi_alltoall_probe.cpp)

kiln_probe_sources(KILN mpi_link_probe.cpp)

kiln_probe_sources(KILN host_compute_probe.cpp compute_kernel.cpp)
# The compute chains: the same code on every node of a fleet, so that their rates compare and their results match.
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/compute_kernel.cpp PROPERTIES COMPILE_OPTIONS "-O3;-ffp-contract=off")

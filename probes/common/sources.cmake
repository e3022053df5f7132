# Shared by the probes: system files, CPU activity, the MPI probes' support; collective math goes in the plugin too.
kiln_probe_sources(KILN system_files.cpp cpu_activity.cpp mpi_probe_support.cpp BOTH collective_math.cpp)

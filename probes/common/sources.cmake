# Shared by the probes: system files, CPU activity, the MPI probes' support; the collective sweep (driver, pacer, the
# ranks' votes) and its math go in the plugin too, for NCCL.
kiln_probe_sources(KILN system_files.cpp cpu_activity.cpp mpi_probe_support.cpp
                   BOTH collective_math.cpp collective_sweep.cpp deadline_pacer.cpp sweep_group.cpp)

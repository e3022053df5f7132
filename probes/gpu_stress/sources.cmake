kiln_probe_sources(BOTH burn_series.cpp burn_telemetry.cpp gemm_math.cpp gpu_stress_declaration.cpp
                   PLUGIN gpu_stress.cu gemm_runner.cpp)

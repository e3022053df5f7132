kiln_probe_sources(KILN ib_probes.cpp perftest_output.cpp perftest_runner.cpp)

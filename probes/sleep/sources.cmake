kiln_probe_sources(KILN sleep_probe.cpp stall_probe.cpp)

kiln_probe_sources(KILN health_probe.cpp node_inventory.cpp nvml_library.cpp xid_log.cpp BOTH gpu_events.cpp nvml_session.cpp)

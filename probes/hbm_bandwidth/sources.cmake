kiln_probe_sources(BOTH hbm_bandwidth_declaration.cpp hbm_sizing.cpp stream_shapes.cpp PLUGIN hbm_bandwidth.cu)

kiln_probe_sources(BOTH p2p_bandwidth_declaration.cpp slow_cells.cpp PLUGIN p2p_bandwidth.cu)

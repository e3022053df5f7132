kiln_probe_sources(BOTH nccl_declaration.cpp PLUGIN nccl.cu)

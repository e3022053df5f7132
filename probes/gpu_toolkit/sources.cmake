# The CUDA toolkit helpers every GPU probe uses (the headers need no build).
kiln_probe_sources(BOTH bus_id.cpp)

# What every GPU probe builds on: CUDA helpers, per-element kernel functions, the declaration it fills, bus ids.
kiln_probe_sources(BOTH bus_id.cpp)

kiln_probe_sources(KILN host_stream_probe.cpp BOTH stream_math.cpp)
# STREAM loops: vectorised, and unrolled like the reference code.
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/host_stream_probe.cpp PROPERTIES COMPILE_OPTIONS "-O3;-funroll-loops")

# The GPU plug-in: kiln's side (the loader, the probes from the list) and the plug-in's table.
kiln_probe_sources(KILN gpu_backend_loader.cpp gpu_probes.cpp PLUGIN gpu_backend.cu)

kiln_probe_sources(BOTH pcie_declaration.cpp PLUGIN pcie.cu)

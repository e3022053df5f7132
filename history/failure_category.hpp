#pragma once
// The category a failure counts under in a stability report, as failures are told apart at scale
// (shared/anchors.md: faulty GPU, HBM, software, network, host, silent data corruption...).

#include <string>

#include "core/probe.hpp"
#include "core/verdict.hpp"

namespace kiln {

// "GPU", "HBM", "NVLink", "PCIe", "network", "host", "silent data corruption" or "software" (a probe that
// erred or timed out, a launch that failed, an interrupted run: Kiln or the stack, not the hardware), as the
// verdict's probe declares it in `catalog` (ProbeTraits::failure_category); "host" for a probe it does not list.
std::string FailureCategory(const Verdict& verdict, const ProbeCatalog& catalog);

}  // namespace kiln

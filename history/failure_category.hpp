#pragma once
// The category a failure counts under in a stability report, as failures are told apart at scale
// (shared/anchors.md: faulty GPU, HBM, software, network, host, silent data corruption...).

#include <string>

#include "core/verdict.hpp"

namespace kiln {

// "GPU", "HBM", "NVLink", "PCIe", "network", "host", "silent data corruption" or "software" (a probe that
// erred or timed out, a launch that failed, an interrupted run: Kiln or the stack, not the hardware).
std::string FailureCategory(const Verdict& verdict);

}  // namespace kiln

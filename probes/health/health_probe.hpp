#pragma once

#include <memory>

#include "core/probe.hpp"

namespace kiln {

// Node inventory and basic health: CPU, memory, OS, GPUs (NVML), InfiniBand ports (sysfs).
std::unique_ptr<Probe> MakeHealthProbe();

}  // namespace kiln

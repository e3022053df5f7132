#pragma once

#include <memory>

#include "core/probe.hpp"

namespace kiln {

// A checked arithmetic kernel on every core at once: the node's compute rate and its slowest core, with the
// CPU time stolen, the tasks waiting and the share of the time the probe actually ran during the measurement.
std::unique_ptr<Probe> MakeHostComputeProbe();

}  // namespace kiln

#pragma once

#include <memory>

#include "core/probe.hpp"

namespace kiln {

// STREAM copy/scale/add/triad on host memory, one OpenMP thread per core, first-touch placement.
std::unique_ptr<Probe> MakeHostStreamProbe();

}  // namespace kiln

#pragma once

#include <memory>

#include "core/probe.hpp"

namespace kiln {

// Diagnostic: sleeps, optionally on one node only, optionally deaf to the stop request. It exercises the
// harness's timeouts and lets an operator check that a launch reaches every node.
std::unique_ptr<Probe> MakeSleepProbe();

}  // namespace kiln

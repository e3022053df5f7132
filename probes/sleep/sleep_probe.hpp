#pragma once

#include <memory>

#include "core/probe.hpp"

namespace kiln {

// Diagnostic: sleeps, optionally on one node only, optionally deaf to the stop request. It exercises the
// harness's timeouts and lets an operator check that a launch reaches every node.
std::unique_ptr<Probe> MakeSleepProbe();

// Sleeps `duration` in 10 ms steps; a stop request ends it with a ProbeError, unless `ignore_stop` (the diagnostic
// probes' stand-in for a hung probe).
void DiagnosticSleep(const ProbeContext& ctx, Seconds duration, bool ignore_stop);

}  // namespace kiln

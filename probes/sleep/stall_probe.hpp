#pragma once

#include <memory>

#include "core/probe.hpp"

namespace kiln {

// Diagnostic, group scope: every rank meets the others in a barrier, one node's after sleeping first. With
// ignore_stop it is a collective hung on one node, which the harness's watchdog must report and end.
std::unique_ptr<Probe> MakeStallProbe();

}  // namespace kiln

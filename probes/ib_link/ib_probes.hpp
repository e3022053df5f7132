#pragma once
// InfiniBand link tests with perftest: every HCA of a node in loopback at once (node scope), and rail-paired
// HCAs between two nodes (pair scope; the harness runs all disjoint pairs of a round at once).

#include <memory>

#include "core/probe.hpp"

namespace kiln {

std::unique_ptr<Probe> MakeIbLoopbackProbe();
std::unique_ptr<Probe> MakeIbLinkProbe();

}  // namespace kiln

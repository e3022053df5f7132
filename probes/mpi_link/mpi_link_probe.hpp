#pragma once

#include <memory>

#include "core/probe.hpp"

namespace kiln {

// Point-to-point between two nodes: streaming bandwidth of large messages, ping-pong latency of small ones.
std::unique_ptr<Probe> MakeMpiLinkProbe();

}  // namespace kiln

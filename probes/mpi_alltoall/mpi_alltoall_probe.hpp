#pragma once

#include <memory>

#include "core/probe.hpp"

namespace kiln {

// MPI_Alltoall size sweep: every rank sends a block to every other, so every pair of nodes (every path
// between them) carries traffic in one collective; a link that no ring or matching uses still shows.
std::unique_ptr<Probe> MakeMpiAlltoallProbe();

}  // namespace kiln

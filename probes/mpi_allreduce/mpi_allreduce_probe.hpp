#pragma once

#include <memory>

#include "core/probe.hpp"

namespace kiln {

// MPI_Allreduce over a size sweep: algbw/busbw as nccl-tests counts, every element checked.
std::unique_ptr<Probe> MakeMpiAllreduceProbe();

}  // namespace kiln

#pragma once
// PCI bus ids as CUDA and NVML write them.

#include <string>

namespace kiln::gpu {

// CUDA writes PCI bus ids as "0000:18:00.0", NVML as "00000000:18:00.0": both become "0000:18:00.0".
// Empty when the text is not a bus id.
std::string NormalizeBusId(const std::string& bus_id);

}  // namespace kiln::gpu

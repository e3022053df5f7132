#include "probes/gpu_toolkit/bus_id.hpp"

#include <fmt/format.h>

#include <cstdio>

namespace kiln::gpu {

std::string NormalizeBusId(const std::string& bus_id) {
  unsigned domain = 0, bus = 0, device = 0, function = 0;
  if (std::sscanf(bus_id.c_str(), "%x:%x:%x.%x", &domain, &bus, &device, &function) != 4) return {};
  return fmt::format("{:04x}:{:02x}:{:02x}.{:x}", domain, bus, device, function);
}

}  // namespace kiln::gpu

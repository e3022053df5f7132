#pragma once
// What kiln knows of a GPU probe without CUDA: its name, description, scope, typed parameters, metrics and traits.
// Each GPU probe's folder declares one (probes/NAME/NAME_declaration.cpp); kiln registers a probe from it, and the
// plugin's table pairs the same declaration with the run: both expand the one list, gpu_plugin/gpu_probe_list.hpp.

#include <string>
#include <vector>

#include "core/probe.hpp"

namespace kiln {

struct GpuProbeDeclaration {
  std::string name;
  std::string description;
  Scope scope = Scope::kNode;
  std::vector<ParamSpec> params;
  std::vector<MetricSpec> metrics;
  ProbeTraits traits{};  // what other layers ask of it (core/probe.hpp)
};

}  // namespace kiln

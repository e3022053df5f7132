#include "probes/registry.hpp"

#include <algorithm>

#include "probes/gpu_plugin/gpu_probes.hpp"
#include "probes/gpu_toolkit/gpu_probe_declaration.hpp"
#include "probes/health/health_probe.hpp"
#include "probes/ib_link/ib_probes.hpp"
#include "probes/host_compute/host_compute_probe.hpp"
#include "probes/host_stream/host_stream_probe.hpp"
#include "probes/mpi_allreduce/mpi_allreduce_probe.hpp"
#include "probes/mpi_alltoall/mpi_alltoall_probe.hpp"
#include "probes/mpi_link/mpi_link_probe.hpp"
#include "probes/sleep/sleep_probe.hpp"
#include "probes/sleep/stall_probe.hpp"

namespace kiln {

ProbeRegistry ProbeRegistry::Default() {
  ProbeRegistry registry;
  registry.Add(MakeHealthProbe());
  registry.Add(MakeHostStreamProbe());
  registry.Add(MakeHostComputeProbe());
  registry.Add(MakeMpiAllreduceProbe());
  registry.Add(MakeMpiAlltoallProbe());
  registry.Add(MakeMpiLinkProbe());
  registry.Add(MakeIbLoopbackProbe());
  registry.Add(MakeIbLinkProbe());
  registry.Add(MakeSleepProbe());
  registry.Add(MakeStallProbe());
  for (auto& probe : MakeGpuProbes()) registry.Add(std::move(probe));
  return registry;
}

void ProbeRegistry::Add(std::unique_ptr<Probe> probe) { probes_.push_back(std::move(probe)); }

Probe* ProbeRegistry::Find(const std::string& name) const {
  for (const auto& probe : probes_) {
    if (probe->Name() == name) return probe.get();
  }
  return nullptr;
}

std::vector<std::string> ProbeRegistry::Names() const {
  std::vector<std::string> names;
  for (const auto& probe : probes_) names.push_back(probe->Name());
  return names;
}

std::vector<MetricSpec> ProbeRegistry::AllMetrics() const {
  std::vector<MetricSpec> metrics;
  for (const auto& probe : probes_) {
    for (auto& metric : probe->Metrics()) metrics.push_back(std::move(metric));
  }
  return metrics;
}

ProbeCatalog ProbeRegistry::Catalog() const {
  ProbeCatalog catalog;
  std::vector<GpuProbeDeclaration> gpu = GpuProbeDeclarations();
  for (const auto& probe : probes_) {
    bool gpu_probe = std::any_of(gpu.begin(), gpu.end(), [&](const auto& d) { return d.name == probe->Name(); });
    catalog.push_back({probe->Name(), probe->scope(), probe->Metrics(), probe->Parameters(), probe->Traits(),
                       gpu_probe && probe->scope() != Scope::kNode});
  }
  return catalog;
}

}  // namespace kiln

#include "probes/gpu_plugin/gpu_probes.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "probes/gpu_plugin/gpu_backend_loader.hpp"
#include "probes/gpu_plugin/gpu_probe_list.hpp"

namespace kiln {
namespace {

// A GPU probe as kiln runs it: declared here, run by the plugin when it is there and has the probe.
class GpuProbe final : public Probe {
 public:
  explicit GpuProbe(GpuProbeDeclaration declaration) : declaration_(std::move(declaration)) {}
  std::string Name() const override { return declaration_.name; }
  std::string Description() const override { return declaration_.description; }
  Scope scope() const override { return declaration_.scope; }
  std::vector<ParamSpec> Parameters() const override { return declaration_.params; }
  std::vector<MetricSpec> Metrics() const override { return declaration_.metrics; }
  ProbeTraits Traits() const override { return declaration_.traits; }
  std::optional<std::string> CheckSupported(const ProbeContext&) const override {
    const LoadedGpuBackend& loaded = LoadGpuBackend();
    if (loaded.backend == nullptr) return loaded.error;
    std::vector<std::string> runs = loaded.backend->Probes();
    if (std::find(runs.begin(), runs.end(), declaration_.name) == runs.end()) {
      return fmt::format("the GPU plugin {} has no run for probe '{}': it was built from other sources than this "
                         "kiln; rebuild both", loaded.path, declaration_.name);
    }
    return loaded.backend->Unavailable();
  }
  ProbeOutcome Run(ProbeContext& ctx) override { return LoadGpuBackend().backend->Run(declaration_.name, ctx); }

 private:
  GpuProbeDeclaration declaration_;
};

}  // namespace

std::vector<GpuProbeDeclaration> GpuProbeDeclarations() {
#define KILN_GPU_DECLARATION(declare, run) declare(),
  return {KILN_GPU_PROBES(KILN_GPU_DECLARATION)};
#undef KILN_GPU_DECLARATION
}

std::vector<std::unique_ptr<Probe>> MakeGpuProbes() {
  std::vector<std::unique_ptr<Probe>> probes;
  for (GpuProbeDeclaration& declaration : GpuProbeDeclarations()) {
    probes.push_back(std::make_unique<GpuProbe>(std::move(declaration)));
  }
  return probes;
}

}  // namespace kiln

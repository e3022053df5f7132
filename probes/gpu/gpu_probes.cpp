#include "probes/gpu/gpu_probes.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "probes/gpu/gpu_backend_loader.hpp"
#include "probes/gpu_stress/gpu_stress.hpp"
#include "probes/hbm_bandwidth/hbm_bandwidth.hpp"
#include "probes/nccl/nccl.hpp"
#include "probes/p2p_bandwidth/p2p_bandwidth.hpp"
#include "probes/pcie/pcie.hpp"

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
  return {GpuStressDeclaration(), HbmBandwidthDeclaration(), P2pBandwidthDeclaration(), PcieDeclaration(),
          NcclDeclaration()};
}

std::vector<std::unique_ptr<Probe>> MakeGpuProbes() {
  std::vector<std::unique_ptr<Probe>> probes;
  for (GpuProbeDeclaration& declaration : GpuProbeDeclarations()) {
    probes.push_back(std::make_unique<GpuProbe>(std::move(declaration)));
  }
  return probes;
}

}  // namespace kiln

#include "probes/health/health_probe.hpp"

#include <fmt/format.h>

#include "probes/health/node_inventory.hpp"
#include "probes/health/gpu_events.hpp"
#include "probes/health/nvml_session.hpp"
#include "probes/health/xid_log.hpp"

namespace kiln {
namespace {

// Per GPU through NVML, and fatal XIDs from the kernel log; nothing when NVML is absent (never invented).
void AddGpuHealth(const ProbeContext& ctx, const GpuInventory& gpus, ProbeOutcome& outcome) {
  if (!gpus.available) return;
  std::string why;
  std::unique_ptr<NvmlSession> nvml = NvmlSession::Open(ctx.env.nvml_library, &why);
  if (!nvml) return;
  auto add = [&](const char* metric, const char* unit, double value, const Subject& subject, bool higher,
                 std::string method) {
    outcome.measurements.push_back(MakeMeasurement("health", metric, unit, subject, {value}, higher, std::move(method)));
  };
  for (int i = 0; i < nvml->DeviceCount(); ++i) {
    GpuHealth h = nvml->Health(i);
    Subject gpu = Subject::Device(ctx.node, fmt::format("gpu{}", i));
    std::string where = fmt::format("NVML index {} (PCI {})", i, h.pci_bus_id);
    if (h.ecc_uncorrected_volatile) add("health.gpu_ecc_uncorrected", "count", static_cast<double>(*h.ecc_uncorrected_volatile), gpu, false, where);
    if (h.remap_pending) add("health.gpu_remap_pending", "count", *h.remap_pending ? 1 : 0, gpu, false, where);
    if (h.remap_failed) add("health.gpu_remap_failed", "count", *h.remap_failed ? 1 : 0, gpu, false, where);
    if (h.pcie_width_current) add("health.gpu_pcie_width", "lanes", *h.pcie_width_current, gpu, true, where);
    if (h.pcie_width_max) add("health.gpu_pcie_width_max", "lanes", *h.pcie_width_max, gpu, true, where);
    if (h.nvlinks_total && *h.nvlinks_total > 0) add("health.gpu_nvlinks_active", "count", *h.nvlinks_active, gpu, true, where);
    if (h.persistence_mode) add("health.gpu_persistence_mode", "count", *h.persistence_mode ? 1 : 0, gpu, true, where);
  }
  std::string error;
  std::string log = ReadKernelLog(ctx.env.kernel_log, &error);
  if (!error.empty()) return;  // no permission to read it: no number rather than a made-up zero
  double fatal = 0;
  std::string seen;
  for (const XidEvent& e : ParseXidEvents(log)) {
    if (!gpu::XidIsFatal(e.xid)) continue;
    ++fatal;
    seen += fmt::format("{}XID {} on {} ({})", seen.empty() ? "" : "; ", e.xid, e.pci, gpu::XidMeaning(e.xid));
  }
  add("health.gpu_xid_fatal", "count", fatal, Subject::Node(ctx.node), false,
      fmt::format("kernel log {}{}", ctx.env.kernel_log, seen.empty() ? "" : ": " + seen));
}

class HealthProbe final : public Probe {
 public:
  std::string Name() const override { return "health"; }
  ProbeTraits Traits() const override {
    ProbeTraits traits;
    traits.metric_categories = {{"nvlink", "NVLink"}, {"pcie", "PCIe"}, {"ecc", "HBM"},  {"remap", "HBM"},
                                {"hbm", "HBM"},       {"gpu", "GPU"},   {"xid", "GPU"},  {"clock", "GPU"},
                                {"ib", "network"},    {"link", "network"}};
    traits.inventories = true;
    traits.bisection = BisectionDefault::kNodeStage;
    return traits;
  }
  std::string Description() const override {
    return "node inventory and health: CPU, memory, OS, GPUs through NVML, InfiniBand ports";
  }
  Scope scope() const override { return Scope::kNode; }
  std::vector<MetricSpec> Metrics() const override {
    return {
        {"health.cpu_count", "count", true, "logical CPUs online"},
        {"health.memory_total", "GiB", true, "memory the kernel reports"},
        {"health.gpu_count", "count", true, "GPUs NVML sees"},
        {"health.ib_port_active", "count", true, "1 when the port is ACTIVE, else 0"},
        {"health.ib_port_rate", "Gb/s", true, "the port's link rate"},
        {"health.gpu_ecc_uncorrected", "count", false, "uncorrectable ECC errors since the driver loaded (volatile)"},
        {"health.gpu_remap_pending", "count", false, "1 when a row remapping waits for a GPU reset"},
        {"health.gpu_remap_failed", "count", false, "1 when a row remapping failed"},
        {"health.gpu_pcie_width", "lanes", true, "current PCIe link width"},
        {"health.gpu_pcie_width_max", "lanes", true, "maximum PCIe link width"},
        {"health.gpu_nvlinks_active", "count", true, "NVLinks reported active"},
        {"health.gpu_persistence_mode", "count", true, "1 when persistence mode is on"},
        {"health.gpu_xid_fatal", "count", false, "XID events in the kernel log that fail a node (Azure's list)"},
    };
  }
  std::optional<std::string> CheckSupported(const ProbeContext&) const override { return std::nullopt; }

  ProbeOutcome Run(ProbeContext& ctx) override {
    NodeInventory inventory = ReadNodeInventory(ctx.env);
    ProbeOutcome outcome;
    Subject node = Subject::Node(ctx.node);
    auto add = [&](const char* metric, const char* unit, double value, Subject subject, std::string method) {
      outcome.measurements.push_back(
          MakeMeasurement(Name(), metric, unit, std::move(subject), {value}, true, std::move(method)));
    };
    if (inventory.cpu_count > 0) add("health.cpu_count", "count", inventory.cpu_count, node, "processors in cpuinfo");
    if (inventory.memory_bytes) {
      add("health.memory_total", "GiB", static_cast<double>(*inventory.memory_bytes) / (1 << 30), node,
          "MemTotal in meminfo");
    }
    if (inventory.gpus.available) {
      add("health.gpu_count", "count", static_cast<double>(inventory.gpus.devices.size()), node, "nvmlDeviceGetCount");
    }
    for (const IbPort& port : inventory.ib_ports) {
      Subject subject = Subject::Device(ctx.node, fmt::format("{}/{}", port.device, port.port));
      add("health.ib_port_active", "count", port.state == "ACTIVE" ? 1 : 0, subject,
          fmt::format("sysfs state '{}'", port.state));
      add("health.ib_port_rate", "Gb/s", port.rate_gbps, subject, "sysfs rate");
    }

    AddGpuHealth(ctx, inventory.gpus, outcome);
    outcome.inventory = inventory;  // its one JSON form (core/node_inventory.cpp)
    return outcome;
  }
};

}  // namespace

std::unique_ptr<Probe> MakeHealthProbe() { return std::make_unique<HealthProbe>(); }

}  // namespace kiln

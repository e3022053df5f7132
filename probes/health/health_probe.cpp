#include "probes/health/health_probe.hpp"

#include <fmt/format.h>

#include "probes/health/node_inventory.hpp"
#include "probes/health/nvml_library.hpp"

namespace kiln {
namespace {

class HealthProbe final : public Probe {
 public:
  std::string Name() const override { return "health"; }
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
    };
  }
  std::optional<std::string> CheckSupported(const ProbeContext&) const override { return std::nullopt; }

  ProbeOutcome Run(ProbeContext& ctx) override {
    HostInventory host = ReadHostInventory(ctx.env);
    GpuInventory gpus = ReadGpuInventory(ctx.env.nvml_library);
    ProbeOutcome outcome;
    Subject node = Subject::Node(ctx.node);
    auto add = [&](const char* metric, const char* unit, double value, Subject subject, std::string method) {
      outcome.measurements.push_back(
          MakeMeasurement(Name(), metric, unit, std::move(subject), {value}, true, std::move(method)));
    };
    if (host.cpu_count > 0) add("health.cpu_count", "count", host.cpu_count, node, "processors in cpuinfo");
    if (host.memory_bytes) {
      add("health.memory_total", "GiB", static_cast<double>(*host.memory_bytes) / (1 << 30), node,
          "MemTotal in meminfo");
    }
    if (gpus.available) {
      add("health.gpu_count", "count", static_cast<double>(gpus.gpus.size()), node, "nvmlDeviceGetCount");
    }
    for (const IbPort& port : host.ib_ports) {
      Subject subject = Subject::Device(ctx.node, fmt::format("{}/{}", port.device, port.port));
      add("health.ib_port_active", "count", port.state == "ACTIVE" ? 1 : 0, subject,
          fmt::format("sysfs state '{}'", port.state));
      add("health.ib_port_rate", "Gb/s", port.rate_gbps, subject, "sysfs rate");
    }

    nlohmann::json inventory{{"cpu_model", host.cpu_model}, {"cpu_count", host.cpu_count},
                             {"kernel", host.kernel},       {"os", host.os}};
    inventory["memory_bytes"] = host.memory_bytes ? nlohmann::json(*host.memory_bytes) : nlohmann::json();
    nlohmann::json gpu_json{{"available", gpus.available}, {"driver_version", gpus.driver_version},
                            {"devices", nlohmann::json::array()}};
    if (!gpus.available) gpu_json["reason"] = gpus.reason;
    for (const GpuInfo& gpu : gpus.gpus) {
      gpu_json["devices"].push_back(
          {{"index", gpu.index}, {"name", gpu.name}, {"uuid", gpu.uuid}, {"serial", gpu.serial}});
    }
    inventory["gpus"] = std::move(gpu_json);
    inventory["ib_ports"] = nlohmann::json::array();
    for (const IbPort& port : host.ib_ports) {
      inventory["ib_ports"].push_back({{"device", port.device}, {"port", port.port}, {"state", port.state},
                                       {"phys_state", port.phys_state}, {"rate_gbps", port.rate_gbps},
                                       {"link_layer", port.link_layer}});
    }
    outcome.inventory = std::move(inventory);
    return outcome;
  }
};

}  // namespace

std::unique_ptr<Probe> MakeHealthProbe() { return std::make_unique<HealthProbe>(); }

}  // namespace kiln

#include "core/node_facts.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>

namespace kiln {

std::string NodeFacts::Describe() const {
  if (!inventoried) return "no inventory (the health probe did not report on this node)";
  std::string text;
  if (!gpus) {
    text = gpus_on_pci > 0 ? fmt::format("{} NVIDIA GPU(s) on PCI but no GPU information: {}", gpus_on_pci, no_gpu_reason)
                           : fmt::format("no GPU ({})", no_gpu_reason.empty() ? "none found" : no_gpu_reason);
  } else if (*gpus == 0) {
    text = "no GPU";
  } else {
    std::map<std::string, int> models;
    for (const std::string& model : gpu_models) ++models[model];
    std::vector<std::string> parts;
    for (const auto& [model, count] : models) parts.push_back(fmt::format("{} x {}", count, model));
    if (parts.empty()) parts.push_back(fmt::format("{} GPU(s)", *gpus));
    text = fmt::format("{}", fmt::join(parts, " + "));
    if (nvlinks.empty()) {
      text += ", no NVLink";
    } else {
      auto [low, high] = std::minmax_element(nvlinks.begin(), nvlinks.end());
      text += *low == *high ? fmt::format(", {} NVLinks each", *low)
                            : fmt::format(", {} to {} NVLinks per GPU", *low, *high);
    }
  }
  text += ib_ports_active > 0 ? fmt::format(", {} active InfiniBand port{}", ib_ports_active,
                                            ib_ports_active == 1 ? "" : "s")
                              : ", no InfiniBand port";
  return text;
}

std::string NodeFacts::Signature() const {
  std::vector<std::string> models = gpu_models;
  std::sort(models.begin(), models.end());
  return fmt::format("{}|{}|{}|{}|{}", gpus ? std::to_string(*gpus) : "?", fmt::join(models, ","),
                     fmt::join(nvlinks, ","), ib_ports_active, gpus ? 0 : gpus_on_pci);
}

NodeFacts FactsOfNode(const std::string& node, const std::optional<NodeInventory>& inventory,
                      const std::vector<Measurement>& measurements) {
  NodeFacts facts;
  facts.node = node;
  if (!inventory) return facts;
  facts.inventoried = true;
  facts.gpus_on_pci = inventory->gpus.pci_devices;
  if (inventory->gpus.available) {
    facts.gpus = static_cast<int>(inventory->gpus.devices.size());
    for (const GpuInfo& device : inventory->gpus.devices) facts.gpu_models.push_back(device.name);
  } else {
    facts.no_gpu_reason = inventory->gpus.reason;
  }
  for (const IbPort& port : inventory->ib_ports) facts.ib_ports_active += port.ActiveInfiniBand() ? 1 : 0;
  // NVLinks are measured per GPU by the health probe, only on GPUs that have any.
  std::map<std::string, int> links;
  for (const Measurement& m : measurements) {
    if (m.metric == "health.gpu_nvlinks_active" && !m.subject.nodes.empty() && m.subject.nodes[0] == node) {
      links[m.subject.device] = static_cast<int>(m.value());
    }
  }
  for (const auto& [device, count] : links) facts.nvlinks.push_back(count);
  return facts;
}

NodeFacts FactsOfNode(const std::string& node, const nlohmann::json& inventory,
                      const std::vector<Measurement>& measurements) {
  return FactsOfNode(node, InventoryFromJson(inventory), measurements);
}

}  // namespace kiln

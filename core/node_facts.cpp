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

NodeFacts FactsOfNode(const std::string& node, const nlohmann::json& inventory,
                      const std::vector<Measurement>& measurements) {
  NodeFacts facts;
  facts.node = node;
  if (!inventory.is_object()) return facts;
  facts.inventoried = true;
  const nlohmann::json& gpus = inventory.value("gpus", nlohmann::json::object());
  facts.gpus_on_pci = gpus.value("pci_devices", 0);
  if (gpus.value("available", false)) {
    const nlohmann::json& devices = gpus.value("devices", nlohmann::json::array());
    facts.gpus = static_cast<int>(devices.size());
    for (const nlohmann::json& device : devices) facts.gpu_models.push_back(device.value("name", "?"));
  } else {
    facts.no_gpu_reason = gpus.value("reason", "");
  }
  for (const nlohmann::json& port : inventory.value("ib_ports", nlohmann::json::array())) {
    if (port.value("state", "") == "ACTIVE" && port.value("link_layer", "InfiniBand") == "InfiniBand") {
      ++facts.ib_ports_active;
    }
  }
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

}  // namespace kiln

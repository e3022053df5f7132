#include "core/node_inventory.hpp"

namespace kiln {

using nlohmann::json;

namespace {

json PortJson(const IbPort& p) {
  return {{"device", p.device},       {"port", p.port},         {"state", p.state},
          {"phys_state", p.phys_state}, {"rate_gbps", p.rate_gbps}, {"link_layer", p.link_layer},
          {"lid", p.lid},             {"numa_node", p.numa_node}, {"pci_address", p.pci_address}};
}

IbPort PortFromJson(const json& j) {
  IbPort p;
  p.device = j.value("device", "");
  p.port = j.value("port", 0);
  p.state = j.value("state", "");
  p.phys_state = j.value("phys_state", "");
  p.rate_gbps = j.value("rate_gbps", 0.0);
  p.link_layer = j.value("link_layer", "InfiniBand");  // reports from before the field: InfiniBand only
  p.lid = j.value("lid", "");
  p.numa_node = j.value("numa_node", -1);
  p.pci_address = j.value("pci_address", "");
  return p;
}

json GpusJson(const GpuInventory& gpus) {
  json out{{"available", gpus.available}, {"driver_version", gpus.driver_version}, {"devices", json::array()},
           {"pci_devices", gpus.pci_devices}};
  if (!gpus.available) out["reason"] = gpus.reason;  // a reason only for GPUs that did not answer
  for (const GpuInfo& d : gpus.devices) {
    out["devices"].push_back(
        {{"index", d.index}, {"name", d.name}, {"uuid", d.uuid}, {"serial", d.serial}, {"vbios", d.vbios}});
  }
  return out;
}

GpuInventory GpusFromJson(const json& j) {
  GpuInventory gpus;
  gpus.available = j.value("available", false);
  gpus.reason = j.value("reason", "");
  gpus.driver_version = j.value("driver_version", "");
  gpus.pci_devices = j.value("pci_devices", 0);
  for (const json& d : j.value("devices", json::array())) {
    gpus.devices.push_back({d.value("index", 0), d.value("name", "?"), d.value("uuid", ""), d.value("serial", ""),
                            d.value("vbios", "")});
  }
  return gpus;
}

}  // namespace

void to_json(json& j, const NodeInventory& inventory) {
  j = json{{"cpu_model", inventory.cpu_model},         {"cpu_count", inventory.cpu_count},
           {"kernel", inventory.kernel},               {"os", inventory.os},
           {"system_serial", inventory.system_serial}, {"board_serial", inventory.board_serial}};
  j["memory_bytes"] = inventory.memory_bytes ? json(*inventory.memory_bytes) : json();
  j["gpus"] = GpusJson(inventory.gpus);
  j["ib_ports"] = json::array();
  for (const IbPort& port : inventory.ib_ports) j["ib_ports"].push_back(PortJson(port));
}

void from_json(const json& j, NodeInventory& inventory) {
  inventory = NodeInventory{};
  inventory.cpu_model = j.value("cpu_model", "");
  inventory.cpu_count = j.value("cpu_count", 0);
  if (j.contains("memory_bytes") && j["memory_bytes"].is_number()) {
    inventory.memory_bytes = j["memory_bytes"].get<std::uint64_t>();
  }
  inventory.kernel = j.value("kernel", "");
  inventory.os = j.value("os", "");
  inventory.system_serial = j.value("system_serial", "");
  inventory.board_serial = j.value("board_serial", "");
  inventory.gpus = GpusFromJson(j.value("gpus", json::object()));
  for (const json& port : j.value("ib_ports", json::array())) inventory.ib_ports.push_back(PortFromJson(port));
}

std::optional<NodeInventory> InventoryFromJson(const json& j) {
  if (!j.is_object()) return std::nullopt;
  return j.get<NodeInventory>();
}

}  // namespace kiln

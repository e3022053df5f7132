#include "probes/health/node_inventory.hpp"

#include <sys/utsname.h>

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "probes/common/system_files.hpp"
#include "probes/health/nvml_library.hpp"

namespace kiln {

std::string StripStateNumber(const std::string& text) {
  auto colon = text.find(':');
  std::string state = colon == std::string::npos ? text : text.substr(colon + 1);
  state.erase(0, state.find_first_not_of(' '));
  return state;
}

double ParseRateGbps(const std::string& text) {
  try {
    return std::stod(text);
  } catch (const std::exception&) {
    return 0;
  }
}

std::vector<IbPort> ReadIbPorts(const std::string& sysfs_root) {
  std::vector<IbPort> ports;
  std::filesystem::path root = std::filesystem::path(sysfs_root) / "class" / "infiniband";
  std::error_code error;
  if (!std::filesystem::is_directory(root, error)) return ports;
  for (const auto& device : std::filesystem::directory_iterator(root, error)) {
    std::filesystem::path port_dir = device.path() / "ports";
    if (!std::filesystem::is_directory(port_dir, error)) continue;
    for (const auto& port : std::filesystem::directory_iterator(port_dir, error)) {
      IbPort p;
      p.device = device.path().filename().string();
      p.port = std::atoi(port.path().filename().c_str());
      p.state = StripStateNumber(ReadFirstLine((port.path() / "state").string()).value_or(""));
      p.phys_state = StripStateNumber(ReadFirstLine((port.path() / "phys_state").string()).value_or(""));
      p.rate_gbps = ParseRateGbps(ReadFirstLine((port.path() / "rate").string()).value_or(""));
      p.link_layer = ReadFirstLine((port.path() / "link_layer").string()).value_or("");
      p.lid = ReadFirstLine((port.path() / "lid").string()).value_or("");
      if (auto numa = ReadFirstLine((device.path() / "device" / "numa_node").string())) p.numa_node = std::atoi(numa->c_str());
      auto pci = std::filesystem::read_symlink(device.path() / "device", error);
      if (!error) p.pci_address = pci.filename().string();
      ports.push_back(std::move(p));
    }
  }
  std::sort(ports.begin(), ports.end(), [](const IbPort& a, const IbPort& b) {
    return std::tie(a.device, a.port) < std::tie(b.device, b.port);
  });
  return ports;
}

int CountNvidiaGpusOnPci(const std::string& sysfs_root) {
  std::filesystem::path root = std::filesystem::path(sysfs_root) / "bus" / "pci" / "devices";
  std::error_code error;
  int count = 0;
  if (!std::filesystem::is_directory(root, error)) return 0;
  for (const auto& device : std::filesystem::directory_iterator(root, error)) {
    std::string vendor = ReadFirstLine((device.path() / "vendor").string()).value_or("");
    std::string device_class = ReadFirstLine((device.path() / "class").string()).value_or("");
    if (vendor == "0x10de" && (device_class.starts_with("0x0300") || device_class.starts_with("0x0302"))) ++count;
  }
  return count;
}

NodeInventory ReadHostInventory(const Environment& env) {
  NodeInventory inventory;
  std::istringstream cpuinfo(ReadWholeFile(env.procfs_root + "/cpuinfo", kMostSystemTableBytes).value_or(""));
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("processor", 0) == 0) ++inventory.cpu_count;
    if (inventory.cpu_model.empty() && line.rfind("model name", 0) == 0) {
      auto colon = line.find(':');
      if (colon != std::string::npos) inventory.cpu_model = line.substr(line.find_first_not_of(' ', colon + 1));
    }
  }
  inventory.memory_bytes = MeminfoBytes(env, "MemTotal");
  inventory.kernel = ReadFirstLine(env.procfs_root + "/sys/kernel/osrelease").value_or("");
  std::istringstream os_release(ReadWholeFile(env.etc_root + "/os-release").value_or(""));
  while (std::getline(os_release, line)) {
    if (line.rfind("PRETTY_NAME=", 0) == 0) {
      inventory.os = line.substr(12);
      inventory.os.erase(std::remove(inventory.os.begin(), inventory.os.end(), '"'), inventory.os.end());
    }
  }
  inventory.system_serial = ReadFirstLine(env.sysfs_root + "/class/dmi/id/product_serial").value_or("");
  inventory.board_serial = ReadFirstLine(env.sysfs_root + "/class/dmi/id/board_serial").value_or("");
  inventory.ib_ports = ReadIbPorts(env.sysfs_root);
  return inventory;
}

NodeInventory ReadNodeInventory(const Environment& env) {
  NodeInventory inventory = ReadHostInventory(env);
  inventory.gpus = ReadGpuInventory(env.nvml_library);
  inventory.gpus.pci_devices = CountNvidiaGpusOnPci(env.sysfs_root);
  return inventory;
}

}  // namespace kiln

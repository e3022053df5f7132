// The one JSON form of a node's inventory (core/node_inventory): what the health probe writes, and how reports of
// every age are read.
#include "core/node_inventory.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "core/node_facts.hpp"
#include "tests/support/run_command.hpp"

namespace kiln {
namespace {

NodeInventory GpuNode() {
  NodeInventory n;
  n.cpu_model = "AMD EPYC 9654 96-Core Processor";
  n.cpu_count = 192;
  n.memory_bytes = 1622959448064ull;
  n.kernel = "6.8.0-49-generic";
  n.os = "Ubuntu 24.04.1 LTS";
  n.system_serial = "S123";
  n.board_serial = "B456";
  n.ib_ports = {{"mlx5_0", 1, "ACTIVE", "LinkUp", 400, "InfiniBand", "0x1a", 0, "0000:18:00.0"},
                {"mlx5_1", 1, "DOWN", "Polling", 200.5, "Ethernet", "", -1, ""}};
  n.gpus.available = true;
  n.gpus.driver_version = "580.159.04";
  n.gpus.pci_devices = 2;
  n.gpus.devices = {{0, "NVIDIA H200", "GPU-1109", "1653724049155", "96.00.AF.00.01"}, {1, "NVIDIA H200", "", "", ""}};
  return n;
}

NodeInventory NoDriverNode() {
  NodeInventory n;
  n.cpu_model = "Xeon";
  n.cpu_count = 2;
  n.gpus.pci_devices = 1;
  n.gpus.reason = "NVML not loadable (libnvidia-ml.so.1: cannot open shared object file): no NVIDIA driver installed";
  return n;
}

// The expected texts are what the health probe wrote before the inventory had a type (its JSON built field by
// field in health_probe.cpp), for the same two nodes: reports stay byte for byte as they were.
TEST(NodeInventoryJson, IsTheFormTheHealthProbeAlwaysWrote) {
  EXPECT_EQ(nlohmann::json(GpuNode()).dump(),
            R"({"board_serial":"B456","cpu_count":192,"cpu_model":"AMD EPYC 9654 96-Core Processor","gpus":{)"
            R"("available":true,"devices":[{"index":0,"name":"NVIDIA H200","serial":"1653724049155","uuid":"GPU-1109",)"
            R"("vbios":"96.00.AF.00.01"},{"index":1,"name":"NVIDIA H200","serial":"","uuid":"","vbios":""}],)"
            R"("driver_version":"580.159.04","pci_devices":2},"ib_ports":[{"device":"mlx5_0","lid":"0x1a",)"
            R"("link_layer":"InfiniBand","numa_node":0,"pci_address":"0000:18:00.0","phys_state":"LinkUp","port":1,)"
            R"("rate_gbps":400.0,"state":"ACTIVE"},{"device":"mlx5_1","lid":"","link_layer":"Ethernet","numa_node":-1,)"
            R"("pci_address":"","phys_state":"Polling","port":1,"rate_gbps":200.5,"state":"DOWN"}],)"
            R"("kernel":"6.8.0-49-generic","memory_bytes":1622959448064,"os":"Ubuntu 24.04.1 LTS","system_serial":"S123"})");
  EXPECT_EQ(nlohmann::json(NoDriverNode()).dump(),
            R"({"board_serial":"","cpu_count":2,"cpu_model":"Xeon","gpus":{"available":false,"devices":[],)"
            R"("driver_version":"","pci_devices":1,"reason":"NVML not loadable (libnvidia-ml.so.1: cannot open shared )"
            R"(object file): no NVIDIA driver installed"},"ib_ports":[],"kernel":"","memory_bytes":null,"os":"",)"
            R"("system_serial":""})");
}

TEST(NodeInventoryJson, ReadsBackWhatItWrote) {
  for (const NodeInventory& node : {GpuNode(), NoDriverNode(), NodeInventory{}}) {
    std::optional<NodeInventory> read = InventoryFromJson(nlohmann::json::parse(nlohmann::json(node).dump()));
    ASSERT_TRUE(read.has_value());
    EXPECT_EQ(*read, node) << nlohmann::json(node).dump();
  }
}

TEST(NodeInventoryJson, NoInventoryIsNoneAndAFieldOfTheWrongTypeThrows) {
  EXPECT_FALSE(InventoryFromJson(nullptr).has_value());  // the health probe did not run on the node
  EXPECT_FALSE(InventoryFromJson("a string").has_value());
  EXPECT_THROW(InventoryFromJson(nlohmann::json::parse(R"({"cpu_count": "192"})")), nlohmann::json::type_error);
  EXPECT_THROW(InventoryFromJson(nlohmann::json::parse(R"({"gpus": {"devices": [{"name": 7}]}})")),
               nlohmann::json::type_error);
}

TEST(NodeInventoryJson, ReadsWhatOlderReportsLeaveOut) {
  // A real H100 report from before pci_devices and the VBIOS were recorded.
  std::ifstream file(testing::SourceDir() + "/tests/fixtures/real/h100-x1.json");
  nlohmann::json report = nlohmann::json::parse(file);
  std::optional<NodeInventory> h100 = InventoryFromJson(report["cluster"]["nodes"][0]["inventory"]);
  ASSERT_TRUE(h100.has_value());
  ASSERT_TRUE(h100->gpus.available);
  ASSERT_EQ(h100->gpus.devices.size(), 1u);
  EXPECT_EQ(h100->gpus.devices[0].name, report["cluster"]["nodes"][0]["inventory"]["gpus"]["devices"][0]["name"]);
  EXPECT_EQ(h100->gpus.devices[0].vbios, "");
  EXPECT_EQ(h100->gpus.pci_devices, 0);
  EXPECT_FALSE(h100->gpus.driver_version.empty());
  EXPECT_TRUE(h100->memory_bytes.has_value());
  // An older port has no link layer (InfiniBand was all there was); a GPU without a name is "?" to node facts.
  nlohmann::json old = nlohmann::json::parse(
      R"({"gpus": {"available": true, "devices": [{"index": 0}]}, "ib_ports": [{"device": "mlx5_0", "state": "ACTIVE"}]})");
  std::optional<NodeInventory> read = InventoryFromJson(old);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->ib_ports.at(0).link_layer, "InfiniBand");
  EXPECT_EQ(read->gpus.devices.at(0).name, "?");
  NodeFacts facts = FactsOfNode("n1", old, {});
  EXPECT_EQ(facts.ib_ports_active, 1);
  EXPECT_EQ(facts.Describe(), "1 x ?, no NVLink, 1 active InfiniBand port");
}

TEST(NodeInventoryJson, NodeFactsReadTheFields) {
  NodeFacts gpu = FactsOfNode("n1", std::optional<NodeInventory>(GpuNode()), {});
  EXPECT_TRUE(gpu.inventoried);
  EXPECT_EQ(gpu.GpuCount(), 2);
  EXPECT_EQ(gpu.ib_ports_active, 1);  // the Ethernet port and the port that is down do not count
  EXPECT_EQ(gpu.Describe(), "2 x NVIDIA H200, no NVLink, 1 active InfiniBand port");
  NodeFacts none = FactsOfNode("n2", std::optional<NodeInventory>(NoDriverNode()), {});
  EXPECT_FALSE(none.gpus.has_value());
  EXPECT_EQ(none.gpus_on_pci, 1);
  EXPECT_NE(none.Describe().find("1 NVIDIA GPU(s) on PCI but no GPU information: NVML not loadable"), std::string::npos)
      << none.Describe();
  EXPECT_FALSE(FactsOfNode("n3", std::optional<NodeInventory>(), {}).inventoried);
}

}  // namespace
}  // namespace kiln

#include "probes/health/node_inventory.hpp"

#include <gtest/gtest.h>

#include "probes/health/nvml_library.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

using testing::TempDir;

void WritePort(const TempDir& root, const std::string& device, int port, const std::string& state,
               const std::string& rate) {
  std::string base = "sys/class/infiniband/" + device + "/ports/" + std::to_string(port) + "/";
  root.Write(base + "state", state + "\n");
  root.Write(base + "phys_state", "5: LinkUp\n");
  root.Write(base + "rate", rate + "\n");
  root.Write(base + "link_layer", "InfiniBand\n");
  root.Write(base + "lid", "0x1a\n");
  root.Write("sys/class/infiniband/" + device + "/device/numa_node", "1\n");
}

TEST(ReadHostInventory, ReadsFakeProcSysAndEtc) {
  TempDir root;
  root.Write("proc/cpuinfo",
             "processor\t: 0\nmodel name\t: AMD EPYC 9654 96-Core Processor\n\nprocessor\t: 1\nmodel name\t: AMD EPYC 9654 96-Core Processor\n");
  root.Write("proc/meminfo", "MemTotal:       2097152 kB\nMemAvailable:    1048576 kB\n");
  root.Write("proc/sys/kernel/osrelease", "6.1.0-18-amd64\n");
  root.Write("etc/os-release", "NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n");
  WritePort(root, "mlx5_1", 1, "1: DOWN", "200 Gb/sec (4X HDR)");
  WritePort(root, "mlx5_0", 1, "4: ACTIVE", "400 Gb/sec (4X NDR)");
  Environment env{(root.path() / "sys").string(), (root.path() / "proc").string(), (root.path() / "etc").string(),
                  "libnvidia-ml-missing.so"};
  NodeInventory inv = ReadHostInventory(env);
  EXPECT_EQ(inv.cpu_count, 2);
  EXPECT_EQ(inv.cpu_model, "AMD EPYC 9654 96-Core Processor");
  EXPECT_EQ(inv.memory_bytes, 2147483648u);
  EXPECT_EQ(inv.kernel, "6.1.0-18-amd64");
  EXPECT_EQ(inv.os, "Debian GNU/Linux 12 (bookworm)");
  ASSERT_EQ(inv.ib_ports.size(), 2u);
  EXPECT_EQ(inv.ib_ports[0].device, "mlx5_0");
  EXPECT_EQ(inv.ib_ports[0].state, "ACTIVE");
  EXPECT_DOUBLE_EQ(inv.ib_ports[0].rate_gbps, 400);
  EXPECT_EQ(inv.ib_ports[0].lid, "0x1a");
  EXPECT_EQ(inv.ib_ports[0].numa_node, 1);
  EXPECT_EQ(inv.ib_ports[1].state, "DOWN");
  EXPECT_DOUBLE_EQ(inv.ib_ports[1].rate_gbps, 200);
}

TEST(ReadIbPorts, NoInfinibandFolderMeansNoPorts) {
  TempDir root;
  EXPECT_TRUE(ReadIbPorts(root.path().string()).empty());
}

TEST(ReadGpuInventory, MissingLibraryIsReportedNotInvented) {
  GpuInventory gpus = ReadGpuInventory("libnvidia-ml-does-not-exist.so.1");
  EXPECT_FALSE(gpus.available);
  EXPECT_TRUE(gpus.devices.empty());
  EXPECT_NE(gpus.reason.find("NVML not loadable"), std::string::npos) << gpus.reason;
}

TEST(StripStateNumber, AndParseRate) {
  EXPECT_EQ(StripStateNumber("4: ACTIVE"), "ACTIVE");
  EXPECT_EQ(StripStateNumber("ACTIVE"), "ACTIVE");
  EXPECT_DOUBLE_EQ(ParseRateGbps("100 Gb/sec (4X EDR)"), 100);
  EXPECT_DOUBLE_EQ(ParseRateGbps("garbage"), 0);
}

}  // namespace
}  // namespace kiln

#include "probes/health/xid_log.hpp"

namespace kiln {
namespace {

TEST(ParseXidEvents, ReadsKernelLogLinesOfEveryShape) {
  // Captured shapes: dmesg, /dev/kmsg records, journalctl -k.
  std::string log =
      "[ 1234.567890] NVRM: Xid (PCI:0000:18:00): 79, pid=0, name=, GPU has fallen off the bus.\n"
      "6,1234,5678901,-;NVRM: Xid (PCI:0000:2a:00): 13, pid=4242, name=python, Graphics Exception\n"
      "Nov 23 09:00:00 node7 kernel: NVRM: Xid (PCI:0000:ab:00): 48, pid='<unknown>', name=<unknown>, DBE\n"
      "[ 1.0] nvidia-nvlink: Nvlink Core is being initialized\n";
  auto events = ParseXidEvents(log);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].pci, "0000:18:00");
  EXPECT_EQ(events[0].xid, 79);
  EXPECT_EQ(events[1].xid, 13);
  EXPECT_EQ(events[2].pci, "0000:ab:00");
  EXPECT_EQ(events[2].xid, 48);
}

TEST(ReadKernelLog, ReadsAFileAndNamesAMissingOne) {
  testing::TempDir dir;
  std::string path = dir.Write("kmsg", "NVRM: Xid (PCI:0000:18:00): 74, NVLink\n");
  std::string error;
  EXPECT_EQ(ParseXidEvents(ReadKernelLog(path, &error)).size(), 1u);
  EXPECT_TRUE(error.empty());
  ReadKernelLog((dir.path() / "missing").string(), &error);
  EXPECT_NE(error.find("missing"), std::string::npos);
}

}  // namespace
}  // namespace kiln

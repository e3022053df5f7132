// NvmlSession against libkiln_fake_nvml.so (tests/support/fake_nvml.cpp), on any machine: the counters kiln watch
// reads, a value the GPU lacks left absent (never invented), a GPU that fails said by name, and XID events drained
// once each, only those after registration.

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "probes/health/nvml_library.hpp"
#include "probes/health/nvml_session.hpp"
#include "tests/support/fake_nvml.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

// The fake reads its state file from the environment, at every call.
class NvmlSessionFake : public ::testing::Test {
 protected:
  void SetUp() override { ::setenv("KILN_FAKE_NVML_STATE", fake.path().c_str(), 1); }
  void TearDown() override { ::unsetenv("KILN_FAKE_NVML_STATE"); }
  std::unique_ptr<NvmlSession> Open() {
    std::string why;
    std::unique_ptr<NvmlSession> session = NvmlSession::Open(testing::FakeNvml::Library(), &why);
    EXPECT_NE(session, nullptr) << why;
    return session;
  }
  testing::TempDir dir;
  testing::FakeNvml fake{dir.path() / "nvml-state", 2};
};

TEST_F(NvmlSessionFake, ReadsTheWatchedCountersAndLeavesWhatAGpuLacksAbsent) {
  fake.Set(0, "temperature", 41).Set(0, "ecc_sbe_volatile", 3).Set(0, "pcie_replay", 12);
  fake.Set(0, "remapped_correctable", 2).Set(0, "remap_pending", 1).Write();
  std::unique_ptr<NvmlSession> nvml = Open();
  ASSERT_EQ(nvml->DeviceCount(), 2);
  GpuCounters gpu0 = nvml->Counters(0);
  EXPECT_EQ(gpu0.error, "");
  EXPECT_EQ(gpu0.temperature_c, 41);
  EXPECT_EQ(gpu0.ecc_corrected_volatile, 3u);
  EXPECT_EQ(gpu0.pcie_replays, 12u);
  EXPECT_EQ(gpu0.remapped_rows_correctable, 2u);
  EXPECT_EQ(gpu0.remapped_rows_uncorrectable, 0u);
  EXPECT_EQ(gpu0.remap_pending, true);
  EXPECT_FALSE(gpu0.power_w.has_value());                   // "Not Supported": absent, and no error
  EXPECT_FALSE(gpu0.ecc_uncorrected_aggregate.has_value());
  GpuCounters gpu1 = nvml->Counters(1);  // a GPU without any of them
  EXPECT_EQ(gpu1.error, "");
  EXPECT_FALSE(gpu1.temperature_c.has_value());
  EXPECT_FALSE(gpu1.pcie_replays.has_value());
  EXPECT_FALSE(gpu1.remapped_rows_correctable.has_value());
  // Counters changed while the session is open are read anew.
  fake.Set(0, "pcie_replay", 40).Write();
  EXPECT_EQ(nvml->Counters(0).pcie_replays, 40u);
}

TEST_F(NvmlSessionFake, AGpuThatFailsIsNamedAndTheOtherStillReads) {
  fake.Set(0, "temperature", 41).Set(1, "temperature", 45).Write();
  std::unique_ptr<NvmlSession> nvml = Open();
  EXPECT_EQ(nvml->Counters(1).temperature_c, 45);
  fake.Set(1, "lost", 1).Write();
  GpuCounters lost = nvml->Counters(1);
  EXPECT_EQ(lost.error, "nvmlDeviceGetHandleByIndex_v2: GPU is lost");
  EXPECT_FALSE(lost.temperature_c.has_value());
  EXPECT_EQ(nvml->Counters(0).temperature_c, 41);
  XidEvents events = nvml->TakeXidEvents(1);
  EXPECT_FALSE(events.watched);
  EXPECT_EQ(events.error, "nvmlDeviceGetHandleByIndex_v2: GPU is lost");
}

TEST_F(NvmlSessionFake, XidEventsAfterRegistrationAreTakenOnceEachInOrder) {
  fake.AddXid(1, 13).Write();  // before anyone listened: not seen, as with the real driver
  std::unique_ptr<NvmlSession> nvml = Open();
  XidEvents first = nvml->TakeXidEvents(1);
  EXPECT_TRUE(first.watched);
  EXPECT_TRUE(first.xids.empty());
  fake.AddXid(1, 79).AddXid(1, 79).AddXid(1, 48).Write();
  XidEvents next = nvml->TakeXidEvents(1);
  EXPECT_EQ(next.xids, (std::vector<unsigned long long>{79, 79, 48}));
  EXPECT_EQ(next.error, "");
  EXPECT_TRUE(nvml->TakeXidEvents(1).xids.empty());  // drained
  EXPECT_TRUE(nvml->TakeXidEvents(0).xids.empty());  // another GPU's set
}

TEST_F(NvmlSessionFake, AGpuThatCannotRegisterForEventsIsNotWatchedAndNotAnError) {
  fake.Set(0, "xid_events", 0).Write();
  std::unique_ptr<NvmlSession> nvml = Open();
  XidEvents events = nvml->TakeXidEvents(0);
  EXPECT_FALSE(events.watched);
  EXPECT_EQ(events.error, "");
  EXPECT_TRUE(nvml->TakeXidEvents(1).watched);
}

TEST_F(NvmlSessionFake, TheInventoryListsTheFakeGpus) {
  GpuInventory inventory = ReadGpuInventory(testing::FakeNvml::Library());
  ASSERT_TRUE(inventory.available) << inventory.reason;
  ASSERT_EQ(inventory.devices.size(), 2u);
  EXPECT_EQ(inventory.devices[1].serial, "FAKE0001");
  EXPECT_EQ(inventory.driver_version, "999.99.99-fake");
}

TEST(NvmlSession, AMissingStateIsNoDriver) {
  ::setenv("KILN_FAKE_NVML_STATE", "/nonexistent/kiln-fake-nvml-state", 1);
  std::string why;
  EXPECT_EQ(NvmlSession::Open(testing::FakeNvml::Library(), &why), nullptr);
  EXPECT_EQ(why, "nvmlInit failed: Driver Not Loaded");
  ::unsetenv("KILN_FAKE_NVML_STATE");
}

}  // namespace
}  // namespace kiln

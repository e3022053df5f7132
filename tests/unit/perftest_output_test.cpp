#include "probes/ib_link/perftest_output.hpp"

#include <gtest/gtest.h>

#include "core/files.hpp"
#include "tests/support/run_command.hpp"

namespace kiln::perftest {
namespace {

std::string Fixture(const std::string& name) {
  return ReadFile(testing::SourceDir() + "/tests/fixtures/perftest/" + name);
}

std::string ErrorOf(const std::string& name, bool latency = false) {
  try {
    if (latency) ParseLat(Fixture(name)); else ParseBw(Fixture(name));
  } catch (const OutputError& e) {
    return e.what();
  }
  return "";
}

TEST(ParseBw, ReadsGbitsTableByHeaderNames) {
  auto rows = ParseBw(Fixture("bw_gbits.txt"));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].bytes, 8388608u);
  EXPECT_EQ(rows[0].iterations, 5000u);
  EXPECT_DOUBLE_EQ(rows[0].average_gbps, 195.76);
  EXPECT_DOUBLE_EQ(*rows[0].peak_gbps, 196.08);
  EXPECT_DOUBLE_EQ(*rows[0].message_rate_mpps, 0.002917);
}

TEST(ParseBw, ConvertsMegabytesPerSecondOldAndNewSpelling) {
  // 11631.92 MB/sec (2^20 bytes) = 11631.92 * 1048576 * 8 / 1e9 Gb/s
  EXPECT_NEAR(ParseBw(Fixture("bw_old_mbsec.txt"))[0].average_gbps, 97.5757, 1e-3);
  auto rows = ParseBw(Fixture("bw_all_sizes_mibsec.txt"));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[2].bytes, 8388608u);
  EXPECT_NEAR(rows[2].average_gbps, 23340.01 * 1048576.0 * 8 / 1e9, 1e-9);
}

TEST(ParseBw, DurationModeHasNoPeak) {
  auto rows = ParseBw(Fixture("bw_duration.txt"));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_FALSE(rows[0].peak_gbps);
  EXPECT_DOUBLE_EQ(rows[0].average_gbps, 183.75);
  EXPECT_EQ(rows[0].iterations, 1752345u);
}

TEST(ParseLat, NewAndOldColumns) {
  auto rows = ParseLat(Fixture("lat_new.txt"));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_DOUBLE_EQ(rows[0].typical_us, 1.04);
  EXPECT_DOUBLE_EQ(*rows[0].p999_us, 3.65);
  EXPECT_DOUBLE_EQ(*rows[0].p99_us, 1.21);
  auto old = ParseLat(Fixture("lat_old.txt"));
  EXPECT_DOUBLE_EQ(old[0].typical_us, 1.02);
  EXPECT_FALSE(old[0].average_us);
}

TEST(ParseBw, NamesWhatIsWrong) {
  EXPECT_NE(ErrorOf("bw_truncated.txt").find("has 3 values for 5 columns"), std::string::npos) << ErrorOf("bw_truncated.txt");
  EXPECT_NE(ErrorOf("no_device.txt").find("no RDMA device"), std::string::npos) << ErrorOf("no_device.txt");
  EXPECT_NE(ErrorOf("no_server.txt").find("could not connect to the server"), std::string::npos) << ErrorOf("no_server.txt");
  EXPECT_NE(ErrorOf("lat_new.txt").find("no 'BW average' column"), std::string::npos);
  EXPECT_THROW(ParseBw(""), OutputError);
  EXPECT_THROW(ParseBw(" #bytes #iterations BW average[Gb/sec]\n---\n"), OutputError);
  EXPECT_THROW(ToGbps(1, "furlongs/sec"), OutputError);
}

}  // namespace
}  // namespace kiln::perftest

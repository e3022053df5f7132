#include "reports/key_numbers.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "core/files.hpp"

namespace kiln {
namespace {

nlohmann::json Fixture(const std::string& name) {
  return nlohmann::json::parse(ReadFile(std::string(KILN_TEST_SOURCE_DIR) + "/tests/fixtures/real/" + name));
}

TEST(KeyNumbers, TheH200sHeadlinesInOneRow) {
  std::size_t more = 99;
  std::vector<KeyNumberRow> rows = KeyNumbers(Fixture("h200-x1-peers.json"), 16, &more);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(more, 0u);
  EXPECT_EQ(rows[0].subject, "vm/gpu0");
  std::vector<std::string> expected{"HBM triad 4421 GB/s", "HBM copy 4268 GB/s", "bf16 687.7 TFLOPS",
                                    "PCIe H2D 55.43 GB/s"};
  for (const std::string& cell : expected) {
    EXPECT_NE(std::find(rows[0].cells.begin(), rows[0].cells.end(), cell), rows[0].cells.end()) << cell;
  }
}

TEST(KeyNumbers, ASweepGivesItsPeakAndOneRankGivesNoBusBandwidth) {
  nlohmann::json report = Fixture("h200-x1-deep.json");
  std::vector<KeyNumberRow> rows = KeyNumbers(report, 16);
  for (const KeyNumberRow& row : rows) {
    for (const std::string& cell : row.cells) EXPECT_EQ(cell.find("busbw 0 "), std::string::npos) << cell;
  }
  // Two nodes' worth of NCCL rows: the peak over the sizes, per collective.
  nlohmann::json m = {{"metric", "nccl.busbw"}, {"unit", "GB/s"},
                      {"subject", {{"kind", "group"}, {"nodes", {"a", "b"}}}},
                      {"labels", {{"collective", "all_reduce"}, {"size", "1GiB"}}}, {"summary", {{"median", 350.0}}}};
  report["measurements"] = nlohmann::json::array({m, m});
  report["measurements"][1]["labels"]["size"] = "4GiB";
  report["measurements"][1]["summary"]["median"] = 380.0;
  rows = KeyNumbers(report, 16);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].subject, "the job (2 nodes)");
  EXPECT_EQ(rows[0].cells, (std::vector<std::string>{"NCCL all_reduce peak busbw 380 GB/s"}));
}

TEST(KeyNumbers, ManySubjectsAreCutAndCounted) {
  nlohmann::json report = {{"measurements", nlohmann::json::array()}};
  for (int n = 0; n < 20; ++n) {
    report["measurements"].push_back({{"metric", "host.stream.triad_bw"}, {"unit", "GB/s"},
                                      {"subject", {{"kind", "node"}, {"nodes", {fmt::format("n{}", n)}}}},
                                      {"summary", {{"median", 30.0}}}});
  }
  std::size_t more = 0;
  EXPECT_EQ(KeyNumbers(report, 16, &more).size(), 16u);
  EXPECT_EQ(more, 4u);
}

}  // namespace
}  // namespace kiln

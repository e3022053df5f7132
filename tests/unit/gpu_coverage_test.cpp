// One rank per GPU (issue 28): a node with more GPUs than ranks had NCCL measure only some of them, so the rules of
// the probes that use one GPU per rank are not judged there, and the headline says so. On an edited copy of a real
// report (one H200, NCCL 8 B..4 GiB) whose node now lists 8 GPUs.

#include <gtest/gtest.h>

#include <stdexcept>

#include "core/coverage.hpp"
#include "core/files.hpp"
#include "probes/registry.hpp"
#include "reports/record_judgement.hpp"
#include "reports/report.hpp"
#include "tests/support/real_reports.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

void Replace(std::string& text, const std::string& from, const std::string& to) {
  if (text.find(from) == std::string::npos) throw std::runtime_error("the baseline no longer holds " + from);
  text.replace(text.find(from), from.size(), to);
}

// The shipped H200 baseline with its 8-GPU NCCL rule at a size the real run reached (4 GiB, not 16 GiB), and an
// 8-GPU shape the VM's node fits once it lists 8 GPUs (no NVLink, no InfiniBand there).
BaselineChoice NcclAt4GiB(const testing::TempDir& dir) {
  std::string text = ReadFile(testing::SourceDir() + "/baselines/h200-sxm-141gb.xml");
  Replace(text, "collective=all_reduce,size=16GiB", "collective=all_reduce,size=4GiB");
  Replace(text, R"(gpus="8" nvlinks_per_gpu="18" ib_ports="8")", R"(gpus="8" nvlinks_per_gpu="0" ib_ports="0")");
  BaselineChoice choice;
  choice.catalog.push_back(LoadBaseline(dir.Write("h200.xml", text), ProbeRegistry::Default().AllMetrics()));
  return choice;
}

// The real report's node with 8 GPUs (copies of its one) and `ranks` ranks.
RunRecord EightGpus(int ranks) {
  RunRecord record = RecordFromReport(LoadReport(testing::RealReportPath("h200-x1-deep.json")), "h200-x1-deep.json");
  nlohmann::json& devices = record.nodes.at(0).inventory["gpus"]["devices"];
  nlohmann::json gpu = devices.at(0);
  for (int i = 1; i < 8; ++i) {
    gpu["index"] = i;
    gpu["uuid"] = "GPU-copy-" + std::to_string(i);
    gpu["serial"] = "copy-" + std::to_string(i);
    devices.push_back(gpu);
  }
  record.nodes.at(0).ranks.clear();
  for (int r = 0; r < ranks; ++r) record.nodes.at(0).ranks.push_back(r);
  return record;
}

const Verdict* NcclRule(const std::vector<Verdict>& verdicts) {
  for (const Verdict& v : verdicts) {
    if (v.probe == "nccl" && !v.rule_id.empty()) return &v;
  }
  return nullptr;
}

TEST(GpuCoverage, ANodeWithMoreGpusThanRanksLeavesTheNcclRulesNotJudgedAndTheHeadlineSaysSo) {
  testing::TempDir dir;
  BaselineChoice choice = NcclAt4GiB(dir);
  // Every GPU its rank: the rule is judged (whatever the number).
  RunRecord full = EightGpus(8);
  std::vector<Verdict> judged = JudgeRecord(full, choice, ProbeRegistry::Default().Catalog());
  const Verdict* rule = NcclRule(judged);
  ASSERT_NE(rule, nullptr);
  EXPECT_TRUE(rule->outcome == Outcome::kPass || rule->outcome == Outcome::kFail) << rule->reason;
  EXPECT_EQ(BuildSummary(judged)["headline"].get<std::string>().find("not covered"), std::string::npos);

  // One rank for eight GPUs: NCCL ran on one of them.
  RunRecord one = EightGpus(1);
  std::vector<Verdict> verdicts = JudgeRecord(one, choice, ProbeRegistry::Default().Catalog());
  rule = NcclRule(verdicts);
  ASSERT_NE(rule, nullptr);
  EXPECT_EQ(rule->outcome, Outcome::kSkipped);
  EXPECT_EQ(rule->reason, "not judged: node vm has 8 GPUs, 1 rank: 7 GPUs not covered");
  Coverage coverage = CoverageOf(verdicts);
  EXPECT_FALSE(coverage.Complete());
  EXPECT_EQ(coverage.gpus_not_covered, std::vector<std::string>{"node vm has 8 GPUs, 1 rank: 7 GPUs not covered"});
  std::string headline = BuildSummary(verdicts, "deep")["headline"].get<std::string>();
  EXPECT_NE(headline.find("; node vm has 8 GPUs, 1 rank: 7 GPUs not covered"), std::string::npos) << headline;
  // Node probes use every GPU of their node: their rules stay judged.
  for (const Verdict& v : verdicts) {
    if (v.probe == "hbm_bandwidth" && !v.rule_id.empty()) {
      EXPECT_NE(v.outcome, Outcome::kSkipped) << v.reason;
    }
  }
}

}  // namespace
}  // namespace kiln

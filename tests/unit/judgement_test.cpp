// The judgement on the reports of real GPUs (tests/fixtures/real): fail closed, fitted to the node shape, with
// causes from the burn's own telemetry.

#include "core/judgement.hpp"

#include <gtest/gtest.h>

#include "core/baseline_selection.hpp"
#include "core/files.hpp"
#include "probes/registry.hpp"
#include "reports/record_judgement.hpp"
#include "reports/report.hpp"
#include "tests/support/real_reports.hpp"
#include "tests/support/run_command.hpp"

namespace kiln {
namespace {

using testing::Judge;
using testing::Judged;

std::string Reasons(const std::vector<Verdict>& verdicts) {
  std::string text;
  for (const Verdict& v : verdicts) text += v.series + ": " + v.reason + "\n";
  return text;
}

TEST(JudgementOnRealGpus, AutoAcceptsTheHealthyH200AndSaysWhatItDetected) {
  Judged j = Judge("h200-x1-deep.json", testing::AutoBaseline());
  EXPECT_TRUE(j.Failures().empty()) << Reasons(j.Failures());
  EXPECT_EQ(j.record.baseline_sku, "h200-sxm-141gb");
  const nlohmann::json& selection = j.record.baseline_selection;
  EXPECT_EQ(selection.at("mode"), "auto");
  EXPECT_EQ(selection.at("detected").at(0).at("found"), "1 x NVIDIA H200, no NVLink, no InfiniBand port");
  EXPECT_EQ(selection.at("shape").at("name"), "1gpu");
  // The 8-GPU NCCL rule does not fit a 1-GPU node: not applicable, never a 0 GB/s failure.
  const Verdict* nccl = j.Find("nccl.busbw{collective=all_reduce,size=16GiB}", Outcome::kNotApplicable);
  ASSERT_NE(nccl, nullptr);
  EXPECT_NE(nccl->reason.find("node shape hgx-8gpu only; this node is 1gpu"), std::string::npos) << nccl->reason;
}

TEST(JudgementOnRealGpus, TheFasterKernelsRunIsAcceptedAndTheOldRunStillIs) {
  // The run after issue 15's kernels set the H200's measured references; the first run, with slower kernels,
  // stays above every floor (copy 3981 >= 0.88 x 4268, bf16 681 >= 0.9 x 688).
  Judged now = Judge("h200-x1-peers.json", testing::AutoBaseline());
  EXPECT_TRUE(now.Failures().empty()) << Reasons(now.Failures());
  EXPECT_EQ(now.record.baseline_sku, "h200-sxm-141gb");
  const Verdict* bf16 = now.Find("gpu.stress.tflops{type=bf16}", Outcome::kPass);
  ASSERT_NE(bf16, nullptr);
  EXPECT_NEAR(bf16->value.value_or(0), 687.7, 0.05);
  // The burst and the timeline are reported, never judged: no baseline rule names them.
  for (const Verdict& v : now.verdicts) {
    EXPECT_EQ(v.series.find("burst_tflops"), std::string::npos) << v.series;
    EXPECT_EQ(v.series.find("tflops_timeline"), std::string::npos) << v.series;
  }
  Judged before = Judge("h200-x1-deep.json", testing::AutoBaseline());
  EXPECT_TRUE(before.Failures().empty()) << Reasons(before.Failures());
}

TEST(JudgementOnRealGpus, AutoAcceptsTheHealthyH100) {
  Judged j = Judge("h100-x1.json", testing::AutoBaseline());
  EXPECT_TRUE(j.Failures().empty()) << Reasons(j.Failures());
  EXPECT_EQ(j.record.baseline_sku, "h100-sxm5-80gb");
  EXPECT_EQ(j.record.baseline_selection.at("detected").at(0).at("found"),
            "1 x NVIDIA H100 80GB HBM3, no NVLink, no InfiniBand port");
}

TEST(JudgementOnRealGpus, AgainstTheHgxShapeTheOnlyFailureIsTheShape) {
  Judged j = Judge("h200-x1-deep.json", testing::NamedBaseline("h200-sxm-141gb", "hgx-8gpu"));
  std::vector<Verdict> failures = j.Failures();
  ASSERT_EQ(failures.size(), 1u) << Reasons(failures);
  EXPECT_EQ(failures[0].metric, "node.shape");
  EXPECT_NE(failures[0].reason.find("shape mismatch: declared hgx-8gpu"), std::string::npos) << failures[0].reason;
  EXPECT_NE(failures[0].reason.find("found 1 x NVIDIA H200, no NVLink"), std::string::npos);
  EXPECT_NE(failures[0].reason.find("1 GPU instead of 8"), std::string::npos);
  EXPECT_NE(failures[0].reason.find("gpu0: 0 NVLinks active instead of 18"), std::string::npos);
}

TEST(JudgementOnRealGpus, TheBaselinesDefaultShapeIsTheHgxBoard) {
  Judged j = Judge("h100-x1.json", testing::NamedBaseline("h100-sxm5-80gb"));
  ASSERT_EQ(j.Failures().size(), 1u) << Reasons(j.Failures());
  EXPECT_EQ(j.record.baseline_selection.at("shape").at("name"), "hgx-8gpu");
}

TEST(JudgementOnRealGpus, HbmAtSeventyPercentFails) {
  Judged j = Judge("h200-x1-deep.json", testing::AutoBaseline(), [](RunRecord& r) { testing::ScaleSamples(r, "hbm.triad_bw", "", 0.7); });
  std::vector<Verdict> failures = j.Failures();
  ASSERT_EQ(failures.size(), 1u) << Reasons(failures);
  EXPECT_EQ(failures[0].metric, "hbm.triad_bw");
  EXPECT_EQ(failures[0].subject, Subject::Device("vm", "gpu0"));
}

TEST(JudgementOnRealGpus, Bf16AtEightyPercentFailsWithACauseFromTheBurnsTelemetry) {
  Judged j = Judge("h200-x1-deep.json", testing::AutoBaseline(), [](RunRecord& r) { testing::ScaleSamples(r, "gpu.stress.tflops", "bf16", 0.8); });
  std::vector<Verdict> failures = j.Failures();
  ASSERT_EQ(failures.size(), 1u) << Reasons(failures);
  EXPECT_EQ(failures[0].series, "gpu.stress.tflops{type=bf16}");
  // The real samples of that burn (all five types): power median 690 W over 88 samples, SM clock median 1830 of
  // 1980 MHz; the report of 2026-11-26 recorded neither the power limit nor throttle reasons.
  const std::string& cause = failures[0].cause;
  EXPECT_NE(cause.find("power median 690 W over 88 samples"), std::string::npos) << cause;
  EXPECT_NE(cause.find("SM clock median 1830 of 1980 MHz"), std::string::npos) << cause;
  EXPECT_NE(cause.find("temperature max 66 C"), std::string::npos) << cause;
  EXPECT_NE(cause.find("power held within 3% of its highest sample (702 W) in 64% of samples"), std::string::npos)
      << cause;
  EXPECT_NE(cause.find("likely power-limited"), std::string::npos) << cause;
}

TEST(JudgementOnRealGpus, EachCorrectnessCheckCountsOnce) {
  Judged j = Judge("h200-x1-deep.json", testing::AutoBaseline());
  int nccl_checks = 0;
  for (const Verdict& v : j.verdicts) nccl_checks += v.metric == "nccl.wrong_elements" ? 1 : 0;
  EXPECT_EQ(nccl_checks, 1);  // 150 series, one check
}

TEST(JudgementOnRealGpus, AFleetOfOneDoesNotHideTheAbsoluteVerdict) {
  Judged j = Judge("h200-x1-deep.json", testing::AutoBaseline());
  bool fleet_not_applicable = false, absolute_pass = false;
  for (const Verdict& v : j.verdicts) {
    if (v.series != "hbm.copy_bw") continue;
    fleet_not_applicable = fleet_not_applicable || v.outcome == Outcome::kNotApplicable;
    absolute_pass = absolute_pass || v.outcome == Outcome::kPass;
  }
  EXPECT_TRUE(fleet_not_applicable);
  EXPECT_TRUE(absolute_pass);
  nlohmann::json summary = BuildSummary(j.verdicts);
  EXPECT_EQ(summary.at("outcome"), "pass");
}

TEST(JudgementOnRealGpus, AGpuThatStoppedReportingFailsClosed) {
  // The same node after a driver update that broke NVML: the health probe found no GPU, the GPU steps skipped.
  Judged j = Judge("h200-x1-deep.json", testing::NamedBaseline("h200-sxm-141gb", "1gpu"), [](RunRecord& r) {
    r.nodes[0].inventory["gpus"] = {{"available", false}, {"reason", "no NVIDIA driver (libnvidia-ml.so.1 not found)"},
                                    {"devices", nlohmann::json::array()}, {"pci_devices", 1}};
    std::erase_if(r.measurements, [](const Measurement& m) { return m.probe != "health" || m.metric.starts_with("health.gpu"); });
    for (StepRecord& step : r.steps) {
      if (step.probe == "health") continue;
      for (StepResult& result : step.results) {
        result.status = StepStatus::kSkipped;
        result.reason = "no NVIDIA driver";
      }
    }
  });
  const Verdict* count = j.Find("health.gpu_ecc_uncorrected", Outcome::kFail);
  ASSERT_NE(count, nullptr) << Reasons(j.verdicts);
  EXPECT_NE(count->reason.find("not measured: health ran but reported no health.gpu_ecc_uncorrected: no NVIDIA "
                               "driver (libnvidia-ml.so.1 not found)"), std::string::npos) << count->reason;
  EXPECT_NE(j.Find("gpu.stress.tflops{type=bf16}", Outcome::kFail), nullptr);
  EXPECT_NE(j.Find("node.shape", Outcome::kFail), nullptr);
  // And auto does not take the driverless GPU node for a CPU host.
  Judged automatic = Judge("h200-x1-deep.json", testing::AutoBaseline(), [](RunRecord& r) {
    r.nodes[0].inventory["gpus"] = {{"available", false}, {"reason", "no NVIDIA driver"}, {"pci_devices", 1}};
  });
  const Verdict* kind = automatic.Find("node.kind", Outcome::kFail);
  ASSERT_NE(kind, nullptr) << Reasons(automatic.verdicts);
  EXPECT_NE(kind->reason.find("1 NVIDIA GPU(s) on PCI but no GPU information"), std::string::npos) << kind->reason;
}

TEST(JudgementOnRealGpus, NodesThatDifferFailWithWhatEachHas) {
  Judged j = Judge("h200-x1-deep.json", testing::AutoBaseline(), [](RunRecord& r) {
    for (const char* name : {"vm2", "vm3"}) r.nodes.push_back({name, {}, r.nodes[0].inventory});
    r.nodes.push_back({"odd", {}, r.nodes[0].inventory});
    r.nodes.back().inventory["gpus"]["devices"].push_back(r.nodes.back().inventory["gpus"]["devices"][0]);
  });
  const Verdict* odd = j.Find("node.kind", Outcome::kFail);
  ASSERT_NE(odd, nullptr);
  EXPECT_EQ(odd->subject, Subject::Node("odd"));
  EXPECT_NE(odd->reason.find("found 2 x NVIDIA H200"), std::string::npos) << odd->reason;
  EXPECT_NE(odd->reason.find("3 of 4 nodes have 1 x NVIDIA H200"), std::string::npos) << odd->reason;
}

TEST(Judgement, TheSweepThatNeverReachedTheSizeFailsNamingWhatItMeasured) {
  // Under 1gpu the 16 GiB rule does not apply; a rule for sizes the sweep never reached on this shape does.
  BaselineChoice choice = testing::NamedBaseline("h200-sxm-141gb", "1gpu");
  Expectation e;
  e.metric_pattern = "nccl.busbw";
  e.labels = {{"collective", "all_reduce"}, {"size", "16GiB"}};
  e.threshold = 1;
  e.unit = "GB/s";
  e.source = "test";
  choice.catalog[0].expectations.push_back(e);
  // The step asked for 8B..4GiB: 16 GiB is not judged (the suite chose not to measure it), never failed.
  Judged asked_less = Judge("h200-x1-deep.json", choice);
  const Verdict* not_judged = asked_less.Find("nccl.busbw{collective=all_reduce,size=16GiB}", Outcome::kSkipped);
  ASSERT_NE(not_judged, nullptr);
  EXPECT_NE(not_judged->reason.find("not judged: the suite's nccl step asked for sizes=8B..4GiB only"),
            std::string::npos) << not_judged->reason;
  // A step that asked for 16 GiB and stopped short fails, naming what it did measure.
  Judged swept = Judge("h200-x1-deep.json", choice, [](RunRecord& r) {
    for (StepRecord& step : r.steps) {
      if (step.probe == "nccl") step.parameters["sizes"] = "8B..16GiB";
    }
  });
  const Verdict* missing = swept.Find("nccl.busbw{collective=all_reduce,size=16GiB}", Outcome::kFail);
  ASSERT_NE(missing, nullptr);
  EXPECT_NE(missing->reason.find("not measured: nccl measured nccl.busbw only for collective=all_reduce..broadcast, "
                                 "size=8B..4GiB"), std::string::npos) << missing->reason;
}

TEST(JudgeShape, NamesEveryDifferenceAndTakesAStorageRailForNoFault) {
  NodeShape hgx{"hgx-8gpu", "HGX H200 8-GPU baseboard", 8, 18, 8, "spec", "b.xml:3"};
  NodeFacts facts;
  facts.node = "gpu-17";
  facts.inventoried = true;
  facts.gpus = 8;
  facts.gpu_models.assign(8, "NVIDIA H200");
  facts.nvlinks.assign(8, 18);
  facts.ib_ports_active = 9;  // eight compute rails and a storage rail
  EXPECT_EQ(JudgeShape(hgx, facts).outcome, Outcome::kPass) << JudgeShape(hgx, facts).reason;
  facts.nvlinks[3] = 17;
  facts.ib_ports_active = 7;
  Verdict v = JudgeShape(hgx, facts);
  EXPECT_EQ(v.outcome, Outcome::kFail);
  EXPECT_NE(v.reason.find("gpu3: 17 NVLinks active instead of 18"), std::string::npos) << v.reason;
  EXPECT_NE(v.reason.find("7 active InfiniBand ports instead of 8"), std::string::npos) << v.reason;
  Baseline b;
  b.shapes = {hgx, {"1gpu", "alone", 1, 0, 0, "s", "b.xml:4"}};
  facts.nvlinks[3] = 18;
  facts.ib_ports_active = 10;
  ASSERT_NE(FittingShape(b, facts), nullptr);
  EXPECT_EQ(FittingShape(b, facts)->name, "hgx-8gpu");
  facts.ib_ports_active = 6;  // a node that lost two rails fits no shape: auto says so instead of judging less
  EXPECT_EQ(FittingShape(b, facts), nullptr);
}

TEST(Judgement, EveryGpuMustReportAPerGpuMetricButAPairCellIsNoGpu) {
  // A 2-GPU node: HBM measured on gpu0 only (gpu1 fell silent); P2P measured as the cells gpu0->gpu1, gpu1->gpu0.
  std::vector<Measurement> ms = {
      MakeMeasurement("hbm_bandwidth", "hbm.copy_bw", "GB/s", Subject::Device("n", "gpu0"), {3000}, true, "m"),
      MakeMeasurement("p2p_bandwidth", "p2p.ce_unidir_bw", "GB/s", Subject::Device("n", "gpu0->gpu1"), {400}, true, "m"),
      MakeMeasurement("p2p_bandwidth", "p2p.ce_unidir_bw", "GB/s", Subject::Device("n", "gpu1->gpu0"), {400}, true, "m")};
  Baseline b;
  for (const char* metric : {"hbm.copy_bw", "p2p.ce_unidir_bw"}) {
    Expectation e;
    e.metric_pattern = metric;
    e.threshold = 100;
    e.unit = "GB/s";
    e.source = "test";
    b.expectations.push_back(e);
  }
  JudgeInput input;
  input.baseline = &b;
  NodeFacts facts;
  facts.node = "n";
  facts.inventoried = true;
  facts.gpus = 2;
  input.nodes = {facts};
  input.steps = {{"hbm_bandwidth", Subject::Node("n"), StepStatus::kMeasured, "", false},
                 {"p2p_bandwidth", Subject::Node("n"), StepStatus::kMeasured, "", false}};
  input.catalog = ProbeRegistry::Default().Catalog();
  input.measurements = &ms;
  Judgement j = JudgeRun(input);
  std::vector<Verdict> failures;
  for (const Verdict& v : j.verdicts) {
    if (IsFailure(v.outcome)) failures.push_back(v);
  }
  ASSERT_EQ(failures.size(), 1u) << Reasons(j.verdicts);
  EXPECT_EQ(failures[0].subject, Subject::Device("n", "gpu1"));
  EXPECT_NE(failures[0].reason.find("hbm_bandwidth reported other GPUs of n but not gpu1"), std::string::npos)
      << failures[0].reason;
}

}  // namespace
}  // namespace kiln

// kiln baseline derive: a baseline from healthy nodes that those nodes pass and a slow node fails; of one kind of
// node only, with the SKU's health gates kept, no floor on what no baseline judges, and little memory.

#include "reports/baseline_derivation.hpp"

#include <gtest/gtest.h>

#include "core/baseline.hpp"
#include "core/errors.hpp"
#include "core/evaluator.hpp"
#include "core/files.hpp"
#include "probes/registry.hpp"
#include "reports/report.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

const nlohmann::json kCpuHost = {{"gpus", {{"available", false}, {"reason", "no NVIDIA driver"}, {"pci_devices", 0}}},
                                 {"ib_ports", nlohmann::json::array()}};

// A host with `gpus` GPUs of `model` and `ib_ports` active InfiniBand ports.
nlohmann::json GpuHost(const std::string& model, int gpus, int ib_ports = 0) {
  nlohmann::json inventory = {
      {"gpus", {{"available", true}, {"driver_version", "580.159.04"}, {"devices", nlohmann::json::array()}}},
      {"ib_ports", nlohmann::json::array()}};
  for (int i = 0; i < gpus; ++i) inventory["gpus"]["devices"].push_back({{"index", i}, {"name", model}});
  for (int i = 0; i < ib_ports; ++i) inventory["ib_ports"].push_back({{"state", "ACTIVE"}, {"link_layer", "InfiniBand"}});
  return inventory;
}

// A passing report of `nodes`, each with its STREAM triad and latency.
DerivationInput Report(const std::vector<std::pair<std::string, double>>& nodes, const std::string& outcome = "pass",
                       const nlohmann::json& inventory = kCpuHost) {
  RunRecord r;
  r.run_id = "r";
  r.finished = "2026-11-26T05:00:00Z";
  for (const auto& [node, triad] : nodes) {
    r.nodes.push_back({node, {0}, inventory});
    r.measurements.push_back(MakeMeasurement("host_stream", "host.stream.triad_bw", "GB/s", Subject::Node(node),
                                             {triad, triad * 1.01}, true, "m"));
    r.measurements.push_back(MakeMeasurement("host_stream", "host.stream.wrong_elements", "count", Subject::Node(node),
                                             {0}, false, "m"));
  }
  nlohmann::json report = BuildReport(r);
  report["summary"]["outcome"] = outcome;
  report["summary"]["exit_code"] = outcome == "pass" ? 0 : 1;
  return {"report-" + nodes.front().first + ".json", report, std::string(64, 'a')};
}

std::string Fixture(const std::string& name) { return testing::SourceDir() + "/tests/fixtures/real/" + name; }

std::vector<Verdict> JudgeWith(const std::string& baseline_path, const nlohmann::json& report) {
  Baseline b = LoadBaseline(baseline_path, ProbeRegistry::Default().AllMetrics());
  return Evaluate(b, report.at("measurements").get<std::vector<Measurement>>());
}

std::string DeriveError(const std::vector<DerivationReport>& inputs, const DerivationOptions& options = {}) {
  try {
    DeriveBaseline(inputs, ProbeRegistry::Default().AllMetrics(), options);
  } catch (const InputError& e) {
    EXPECT_EQ(e.exit_code(), kExitBadInput);
    return e.what();
  }
  return "";
}

DerivationReport Summary(const DerivationInput& input) {
  return SummariseForDerivation(input.report, input.path, input.sha256);
}

TEST(DeriveBaseline, TheHealthyNodesPassItAndAThrottledNodeFails) {
  testing::TempDir dir;
  std::vector<DerivationInput> healthy = {Report({{"n1", 30.0}, {"n2", 31.0}}), Report({{"n3", 29.5}, {"n4", 30.4}})};
  std::string text = DeriveBaseline(healthy, ProbeRegistry::Default().AllMetrics(), {});
  std::string path = dir.Write("derived.xml", text);
  EXPECT_NE(text.find("basis=\"derived\""), std::string::npos);
  EXPECT_EQ(text.find("metric=\"host.stream.wrong_elements"), std::string::npos);  // correctness is Kiln's, never derived
  for (const DerivationInput& input : healthy) {
    for (const Verdict& v : JudgeWith(path, input.report)) EXPECT_EQ(v.outcome, Outcome::kPass) << v.reason;
  }
  std::vector<Verdict> slow = JudgeWith(path, Report({{"n5", 30.0}, {"throttled", 18.0}}).report);
  ASSERT_EQ(slow.size(), 2u);
  EXPECT_EQ(slow[0].outcome, Outcome::kPass);
  EXPECT_EQ(slow[1].outcome, Outcome::kFail);
  EXPECT_EQ(slow[1].subject, Subject::Node("throttled"));
}

TEST(DeriveBaseline, FewNoisyInputsStillGiveAFloorThatFailsAHalfSpeedNode) {
  // Three nodes sharing two cores read 10, 14 and 20 GB/s: four robust deviations (4 x 5.9) reach below 0.
  // The floor is held to 20% below the worst healthy input: 8 GB/s. All three pass it; a node at half the
  // slowest fails it (CI saw a floor of 0 accept one: DeriveCli.ABaselineFromEmulatedNodes...).
  testing::TempDir dir;
  std::vector<DerivationInput> inputs = {Report({{"n1", 10.0}, {"n2", 14.0}, {"n3", 20.0}})};
  std::string text = DeriveBaseline(inputs, ProbeRegistry::Default().AllMetrics(), {});
  std::string path = dir.Write("noisy.xml", text);
  EXPECT_NE(text.find("held to 20% beyond the worst healthy input"), std::string::npos) << text;
  for (const Verdict& v : JudgeWith(path, inputs[0].report)) EXPECT_EQ(v.outcome, Outcome::kPass) << v.reason;
  std::vector<Verdict> slow = JudgeWith(path, Report({{"half", 5.0}}).report);
  ASSERT_EQ(slow.size(), 1u);
  EXPECT_EQ(slow[0].outcome, Outcome::kFail) << slow[0].reason;
}

TEST(DeriveBaseline, TheWrittenFloorNeverExcludesTheWorstInput) {
  // A median of 14.136861 rounded to the nearest 6 digits is 14.1369, a floor above the input; it must be 14.1368.
  testing::TempDir dir;
  std::vector<DerivationInput> inputs = {Report({{"n1", 14.136861 / 1.005}, {"n2", 32.8}, {"n3", 33.0}})};
  std::string path = dir.Write("d.xml", DeriveBaseline(inputs, ProbeRegistry::Default().AllMetrics(), {}));
  for (const Verdict& v : JudgeWith(path, inputs[0].report)) EXPECT_EQ(v.outcome, Outcome::kPass) << v.reason;
}

TEST(DeriveBaseline, RefusesFewerThanThreeNodesAndReportsThatDidNotPass) {
  auto metrics = ProbeRegistry::Default().AllMetrics();
  EXPECT_THROW(DeriveBaseline({Report({{"n1", 30.0}, {"n2", 31.0}})}, metrics, {}), InputError);
  try {
    DeriveBaseline({Report({{"n1", 30.0}, {"n2", 31.0}, {"n3", 30.0}}, "fail")}, metrics, {});
    FAIL() << "a failed report was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("did not pass"), std::string::npos) << e.what();
  }
  DerivationOptions lenient;
  lenient.allow_failed = true;
  lenient.min_nodes = 2;
  EXPECT_NO_THROW(DeriveBaseline({Report({{"n1", 30.0}, {"n2", 31.0}}, "fail")}, metrics, lenient));
  // A pass of less than an acceptance (exit 0, its own outcome) is a healthy input too.
  DerivationInput partial = Report({{"n1", 30.0}, {"n2", 31.0}, {"n3", 30.0}}, "partial");
  partial.report["summary"]["exit_code"] = 0;
  EXPECT_NO_THROW(DeriveBaseline({partial}, metrics, {}));
}

TEST(DeriveBaseline, RefusesReportsOfDifferentGpuModelsNamingThem) {
  // Issue 24: 2 H200 reports and 1 H100 report made one baseline with both models' rules mixed.
  DerivationOptions options;
  options.allow_failed = true;
  options.min_nodes = 1;
  std::string mixed = DeriveError({ReadDerivationReport(Fixture("h200-x1-peers.json")),
                                   ReadDerivationReport(Fixture("h200-x1-deep.json")),
                                   ReadDerivationReport(Fixture("h100-x1.json"))}, options);
  EXPECT_NE(mixed.find("2 kinds of node"), std::string::npos) << mixed;
  EXPECT_NE(mixed.find("1 x NVIDIA H200, no NVLink"), std::string::npos) << mixed;
  EXPECT_NE(mixed.find("1 x NVIDIA H100 80GB HBM3, no NVLink"), std::string::npos) << mixed;
  EXPECT_NE(mixed.find("vm (" + Fixture("h100-x1.json") + ")"), std::string::npos) << mixed;
  EXPECT_NE(mixed.find("vm (" + Fixture("h200-x1-deep.json") + ")"), std::string::npos) << mixed;
  // And a GPU renamed in one report is another model.
  DerivationInput renamed = Report({{"a", 30.0}}, "pass", GpuHost("NVIDIA H300 200GB", 1));
  std::string rename = DeriveError({Summary(Report({{"b", 30.0}, {"c", 31.0}}, "pass", GpuHost("NVIDIA H200", 1))),
                                    Summary(renamed)});
  EXPECT_NE(rename.find("NVIDIA H300 200GB"), std::string::npos) << rename;
}

TEST(DeriveBaseline, RefusesNodesOfDifferentShapesNamingThem) {
  std::string gpus = DeriveError({Summary(Report({{"eight", 30.0}}, "pass", GpuHost("NVIDIA H200", 8))),
                                  Summary(Report({{"n2", 30.0}, {"n3", 31.0}}, "pass", GpuHost("NVIDIA H200", 4)))});
  EXPECT_NE(gpus.find("8 x NVIDIA H200"), std::string::npos) << gpus;
  EXPECT_NE(gpus.find("4 x NVIDIA H200"), std::string::npos) << gpus;
  EXPECT_NE(gpus.find("eight (report-eight.json)"), std::string::npos) << gpus;
  std::string ib = DeriveError({Summary(Report({{"rail", 30.0}}, "pass", GpuHost("NVIDIA H200", 8, 8))),
                                Summary(Report({{"n2", 30.0}, {"n3", 31.0}}, "pass", GpuHost("NVIDIA H200", 8, 7)))});
  EXPECT_NE(ib.find("8 active InfiniBand ports"), std::string::npos) << ib;
  EXPECT_NE(ib.find("7 active InfiniBand ports"), std::string::npos) << ib;
}

TEST(DeriveBaseline, RefusesNodesItCannotTellTheKindOf) {
  std::string none = DeriveError({Summary(Report({{"n1", 30.0}, {"n2", 31.0}, {"n3", 30.0}}, "pass", nlohmann::json()))});
  EXPECT_NE(none.find("report-n1.json: node 'n1' has no inventory"), std::string::npos) << none;
  nlohmann::json broken = {{"gpus", {{"available", false}, {"reason", "no NVIDIA driver"}, {"pci_devices", 8}}}};
  std::string driver = DeriveError({Summary(Report({{"n1", 30.0}, {"n2", 31.0}, {"n3", 30.0}}, "pass", broken))});
  EXPECT_NE(driver.find("8 NVIDIA GPU(s) on PCI but no GPU information"), std::string::npos) << driver;
  DerivationInput stray = Report({{"n1", 30.0}, {"n2", 31.0}, {"n3", 30.0}});
  stray.report["measurements"][0]["subject"]["nodes"][0] = "elsewhere";
  std::string unlisted = DeriveError({Summary(stray)});
  EXPECT_NE(unlisted.find("names node 'elsewhere', which the report's cluster does not list"), std::string::npos)
      << unlisted;
}

TEST(DeriveBaseline, KeepsTheSkusHealthGatesAndFloorsNoTelemetry) {
  // Issue 24: a baseline derived from healthy H200 reports had no ECC, remap, XID or throttle gate, so a report
  // with uncorrected ECC errors passed it.
  testing::TempDir dir;
  DerivationOptions options;
  options.allow_failed = true;  // the older runs failed the baseline of their day
  options.min_nodes = 1;
  std::vector<DerivationReport> inputs;
  for (const char* name : {"h200-x1-peers.json", "h200-x1-deep.json", "h200-x1-short.json"}) {
    inputs.push_back(ReadDerivationReport(Fixture(name)));
  }
  std::string text = DeriveBaseline(inputs, ProbeRegistry::Default().AllMetrics(), options);
  std::string path = dir.Write("h200.xml", text);
  Baseline b = LoadBaseline(path, ProbeRegistry::Default().AllMetrics());
  std::map<std::string, std::string> rules;
  for (const Expectation& e : b.expectations) rules[e.metric_pattern] = Describe(e);
  EXPECT_EQ(rules["health.gpu_ecc_uncorrected"], "count <= 0");
  EXPECT_EQ(rules["health.gpu_remap_pending"], "equal 0");
  EXPECT_EQ(rules["health.gpu_remap_failed"], "equal 0");
  EXPECT_EQ(rules["health.gpu_xid_fatal"], "count <= 0");
  EXPECT_EQ(rules["gpu.stress.throttle_faults"], "count <= 0");
  EXPECT_EQ(rules["health.gpu_pcie_width"], "equal 16");
  ASSERT_EQ(b.shapes.size(), 1u);
  EXPECT_EQ(Describe(b.shapes[0]), "1 GPU, no NVLink, no InfiniBand");
  EXPECT_EQ(b.gpu_models, std::vector<std::string>{"NVIDIA H200"});
  EXPECT_TRUE(rules.count("gpu.stress.tflops"));
  EXPECT_TRUE(rules.count("hbm.triad_bw"));
  for (const char* never : {"gpu.stress.burst_tflops", "gpu.stress.tflops_timeline", "gpu.stress.power",
                            "gpu.stress.power_limit", "gpu.stress.temperature", "gpu.stress.sm_clock",
                            "gpu.stress.sm_clock_max", "gpu.stress.throttle_share", "gpu.stress.wrong_elements"}) {
    EXPECT_FALSE(rules.count(never)) << never << " got a rule: " << rules[never];
  }
  EXPECT_NE(text.find("Kiln's own check"), std::string::npos);
  // Its healthy inputs pass it; the same report with one uncorrected ECC error does not.
  nlohmann::json report = LoadReport(Fixture("h200-x1-peers.json"));
  for (const Verdict& v : JudgeWith(path, report)) EXPECT_EQ(v.outcome, Outcome::kPass) << v.series << ": " << v.reason;
  for (auto& m : report["measurements"]) {
    if (m["metric"] == "health.gpu_ecc_uncorrected") m["samples"] = {1};
  }
  bool ecc_failed = false;
  for (const Verdict& v : JudgeWith(path, report)) {
    ecc_failed = ecc_failed || (v.metric == "health.gpu_ecc_uncorrected" && v.outcome == Outcome::kFail);
  }
  EXPECT_TRUE(ecc_failed);
}

TEST(DeriveBaseline, RefusesHealthyInputsWhosePcieWidthsDiffer) {
  auto width = [](const std::string& node, double lanes) {
    DerivationInput input = Report({{node, 30.0}}, "pass", GpuHost("NVIDIA H200", 1));
    input.report["measurements"].push_back(MakeMeasurement("health", "health.gpu_pcie_width", "lanes",
                                                           Subject::Device(node, "gpu0"), {lanes}, true, "nvml"));
    return Summary(input);
  };
  std::string error = DeriveError({width("n1", 16), width("n2", 16), width("n3", 8)});
  EXPECT_NE(error.find("different PCIe link widths (x8 on n3/gpu0 (report-n3.json); x16 on n1/gpu0"), std::string::npos)
      << error;
}

TEST(ReadDerivationReport, KeepsWhatTheWholeParseKeepsAndRefusesBadFilesNamingThem) {
  std::vector<DerivationReport> streamed, whole;
  for (const char* name : {"h200-x1-peers.json", "h200-x1-deep.json"}) {
    streamed.push_back(ReadDerivationReport(Fixture(name)));
    whole.push_back(SummariseForDerivation(LoadReport(Fixture(name)), Fixture(name), Sha256Hex(ReadFile(Fixture(name)))));
    EXPECT_EQ(streamed.back().values.size(), whole.back().values.size());
  }
  DerivationOptions options;
  options.allow_failed = true;
  options.min_nodes = 1;
  auto metrics = ProbeRegistry::Default().AllMetrics();
  EXPECT_EQ(DeriveBaseline(streamed, metrics, options), DeriveBaseline(whole, metrics, options));

  testing::TempDir dir;
  std::string report = ReadFile(Fixture("h200-x1-peers.json"));
  auto error = [&](const std::string& name, const std::string& text) {
    std::string path = dir.Write(name, text);
    try {
      ReadDerivationReport(path);
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(error("huge.json", R"({"schema": "kiln.report/1", "run": {"duration_s": 1e400}})").find("1e400 at run.duration_s"),
            std::string::npos);
  EXPECT_NE(error("other.json", R"({"schema": "other/1"})").find("not a Kiln report"), std::string::npos);
  EXPECT_NE(error("twice.json", R"({"schema": "kiln.report/1", "schema": "kiln.report/1"})").find("'schema' twice"),
            std::string::npos);
  nlohmann::json j = nlohmann::json::parse(report);
  j["measurements"][3]["samples"] = "fast";
  EXPECT_NE(error("bad.json", j.dump()).find("measurements[3]"), std::string::npos);
  j = nlohmann::json::parse(report);
  j.erase("verdicts");
  EXPECT_NE(error("lacks.json", j.dump()).find("lacks 'verdicts'"), std::string::npos);
  j = nlohmann::json::parse(report);
  j["measurements"] = {{"a", j["measurements"][0]}};
  EXPECT_NE(error("object.json", j.dump()).find("not a list"), std::string::npos);
  // An outcome this Kiln does not know is named, never taken for a pass because the exit code says 0.
  j = nlohmann::json::parse(report);
  j["summary"]["outcome"] = "mostly passed";
  EXPECT_NE(error("outcome.json", j.dump()).find("summary.outcome: unknown run outcome 'mostly passed'"),
            std::string::npos);
  EXPECT_THROW(SummariseForDerivation(j, "outcome.json", ""), InputError);
}

}  // namespace
}  // namespace kiln

// kiln evaluate and kiln baseline derive on real reports, and the fail-closed run on this GPU-less machine.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <map>

#include "core/files.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

using testing::ReadJson;
using testing::RealReportPath;
using testing::RunKiln;
using testing::SourceDir;


std::vector<nlohmann::json> Failures(const nlohmann::json& report) {
  std::vector<nlohmann::json> failures;
  for (const auto& v : report["verdicts"]) {
    if (v["outcome"] == "fail" || v["outcome"] == "error") failures.push_back(v);
  }
  return failures;
}

TEST(EvaluateCli, AutoAcceptsTheRealH200AndNamesItsSourceAndWhatItDetected) {
  testing::TempDir dir;
  std::string out = (dir.path() / "eval").string();
  auto r = RunKiln({"evaluate", RealReportPath("h200-x1-deep.json"), "--out", out});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  nlohmann::json report = ReadJson(out + "/report.json");
  EXPECT_EQ(report["evaluated_from"]["sha256"], Sha256Hex(ReadFile(RealReportPath("h200-x1-deep.json"))));
  EXPECT_EQ(report["evaluated_from"]["baseline_sku"], "h200-sxm-141gb");
  EXPECT_EQ(report["baseline"]["selection"]["detected"][0]["found"], "1 x NVIDIA H200, no NVLink, no InfiniBand port");
  EXPECT_EQ(report["baseline"]["selection"]["shape"]["name"], "1gpu");
  EXPECT_EQ(report["measurements"].size(), ReadJson(RealReportPath("h200-x1-deep.json"))["measurements"].size());
  EXPECT_TRUE(Failures(report).empty()) << r.output;
  // The rendering says what was detected and chosen.
  auto text = RunKiln({"report", out + "/report.json", "--format", "text"});
  EXPECT_NE(text.output.find("1 x NVIDIA H200, no NVLink, no InfiniBand port"), std::string::npos) << text.output;
}

TEST(EvaluateCli, AgainstTheHgxShapeOnlyTheShapeFailsAndTheNewReportIsSigned) {
  testing::TempDir dir;
  std::string out = (dir.path() / "eval").string();
  ASSERT_EQ(RunKiln({"keygen", "--out", (dir.path() / "keys").string()}).exit_code, 0);
  auto r = RunKiln({"evaluate", RealReportPath("h100-x1.json"), "--baseline", "h100-sxm5-80gb", "--shape", "hgx-8gpu",
                    "--out", out, "--sign-key", (dir.path() / "keys/kiln.key").string()});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  std::vector<nlohmann::json> failures = Failures(ReadJson(out + "/report.json"));
  ASSERT_EQ(failures.size(), 1u) << r.output;
  EXPECT_EQ(failures[0]["metric"], "node.shape");
  EXPECT_NE(failures[0]["reason"].get<std::string>().find("shape mismatch: declared hgx-8gpu"), std::string::npos);
  auto verify = RunKiln({"verify", "--pubkey", (dir.path() / "keys/kiln.pub").string(), out + "/report.json"});
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
}

TEST(EvaluateCli, BadInputExitsTwoAndNeverOverwritesTheSource) {
  testing::TempDir dir;
  auto missing = RunKiln({"evaluate", (dir.path() / "none.json").string(), "--out", (dir.path() / "o").string()});
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  auto shape = RunKiln({"evaluate", RealReportPath("h100-x1.json"), "--baseline", "h100-sxm5-80gb", "--shape", "dgx",
                        "--out", (dir.path() / "o").string()});
  EXPECT_EQ(shape.exit_code, 2);
  EXPECT_NE(shape.output.find("--shape 'dgx'"), std::string::npos) << shape.output;
  EXPECT_NE(shape.output.find("hgx-8gpu, 1gpu"), std::string::npos) << shape.output;
  std::string copy = dir.Write("src/report.json", ReadFile(RealReportPath("h100-x1.json")));
  auto same = RunKiln({"evaluate", copy, "--out", (dir.path() / "src").string()});
  EXPECT_EQ(same.exit_code, 2) << same.output;
  EXPECT_NE(same.output.find("would overwrite the one it judges"), std::string::npos) << same.output;
  EXPECT_EQ(ReadFile(copy), ReadFile(RealReportPath("h100-x1.json")));
  std::string garbage = dir.Write("garbage.json", R"({"schema": "kiln.report/1", "run": {}, "cluster": 3,
    "verdicts": [], "measurements": [], "summary": {}})");
  auto broken = RunKiln({"evaluate", garbage, "--out", (dir.path() / "g").string()});
  EXPECT_EQ(broken.exit_code, 2) << broken.output;
  EXPECT_NE(broken.output.find(garbage), std::string::npos) << broken.output;
}

TEST(FailClosed, AGpuBaselineOnAMachineWithoutGpusIsNotAccepted) {
  testing::TempDir dir;
  std::string out = (dir.path() / "o").string();
  auto r = testing::RunCommand({testing::KilnBinary(), "run", "--suite", "acceptance", "--baseline", "h200-sxm-141gb",
                                "--out", out, "--quiet"}, 400, {"KILN_NVML_LIBRARY=libnvidia-ml-absent.so.1"});
  ASSERT_FALSE(r.timed_out) << r.output;
  EXPECT_EQ(r.exit_code, 1) << r.output;
  nlohmann::json report = ReadJson(out + "/report.json");
  EXPECT_EQ(report["summary"]["accepted"], false);
  std::set<std::string> not_measured;
  for (const auto& v : Failures(report)) {
    if (v["reason"].get<std::string>().find(": not measured") != std::string::npos) not_measured.insert(v["series"]);
  }
  for (const char* series : {"gpu.stress.tflops{type=bf16}", "hbm.copy_bw", "pcie.h2d_bw", "health.gpu_ecc_uncorrected",
                             "health.gpu_xid_fatal"}) {
    EXPECT_TRUE(not_measured.count(series)) << series << "\n" << r.output;
  }
  EXPECT_NE(r.output.find("shape mismatch: declared hgx-8gpu"), std::string::npos) << r.output;
  auto junit = ReadFile(out + "/junit.xml");
  EXPECT_NE(junit.find("not measured"), std::string::npos);
  EXPECT_NE(ReadFile(out + "/metrics.prom").find("suite=\"acceptance\"} 0\n"), std::string::npos);
}

TEST(FailClosed, AutoOnAMachineWithoutGpusPicksTheCpuHostBaselineAndPasses) {
  testing::TempDir dir;
  std::string out = (dir.path() / "o").string();
  auto r = testing::RunCommand({"mpirun", "--allow-run-as-root", "--oversubscribe", "-np", "2", "--bind-to", "none",
                                testing::KilnBinary(), "run", "--suite", SourceDir() + "/tests/fixtures/suites/mpi_small.xml",
                                "--out", out, "--quiet"}, 240, {"KILN_NVML_LIBRARY=libnvidia-ml-absent.so.1"});
  ASSERT_FALSE(r.timed_out) << r.output;
  EXPECT_EQ(r.exit_code, 0) << r.output;
  nlohmann::json report = ReadJson(out + "/report.json");
  EXPECT_EQ(report["baseline"]["sku"], "cpu-host");
  EXPECT_EQ(report["baseline"]["selection"]["mode"], "auto");
  EXPECT_EQ(report["baseline"]["selection"]["why"], "no GPU found");
}

// A copy of `report` in which one node's STREAM results are half of the lowest any node measured: a throttled
// memory system, below every healthy peer however noisy the emulated nodes were (they share two cores).
std::string Throttled(const testing::TempDir& dir, nlohmann::json report, const std::string& node) {
  std::map<std::string, double> lowest;
  auto is_stream = [](const nlohmann::json& m) {
    return m["metric"].get<std::string>().starts_with("host.stream.") && m["unit"] == "GB/s";
  };
  for (const auto& m : report["measurements"]) {
    if (!is_stream(m)) continue;
    double median = m["summary"]["median"].get<double>();
    auto [it, inserted] = lowest.emplace(m["metric"].get<std::string>(), median);
    if (!inserted) it->second = std::min(it->second, median);
  }
  for (auto& m : report["measurements"]) {
    if (!is_stream(m) || m["subject"]["nodes"][0] != node) continue;
    m.erase("unreliable");  // measured on a quiet host: the emulated nodes share two cores, a real one would not
    double factor = 0.5 * lowest.at(m["metric"].get<std::string>()) / m["summary"]["median"].get<double>();
    for (auto& sample : m["samples"]) sample = sample.get<double>() * factor;
    for (const char* key : {"median", "min", "max", "mean"}) m["summary"][key] = m["summary"][key].get<double>() * factor;
  }
  return dir.Write("throttled/report.json", report.dump(2));
}

TEST(DeriveCli, ABaselineFromEmulatedNodesPassesThemAndFailsAThrottledOne) {
  testing::TempDir dir;
  std::string run = (dir.path() / "run").string();
  auto r = testing::RunCommand({"mpirun", "--allow-run-as-root", "--oversubscribe", "-np", "3", "--bind-to", "none",
                                testing::KilnBinary(), "run", "--rank-as-node", "--quiet", "--suite",
                                SourceDir() + "/tests/fixtures/suites/mpi_small.xml", "--baseline",
                                SourceDir() + "/tests/fixtures/baselines/emulated.xml", "--out", run}, 240);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::string derived = (dir.path() / "derived.xml").string();
  auto d = RunKiln({"baseline", "derive", run + "/report.json", "-o", derived, "--sku", "emulated-derived"});
  ASSERT_EQ(d.exit_code, 0) << d.output;
  std::string text = ReadFile(derived);
  EXPECT_NE(text.find("basis=\"derived\""), std::string::npos);
  EXPECT_NE(text.find(Sha256Hex(ReadFile(run + "/report.json")).substr(0, 12)), std::string::npos);

  auto healthy = RunKiln({"evaluate", run + "/report.json", "--baseline", derived, "--out", (dir.path() / "e1").string()});
  EXPECT_EQ(healthy.exit_code, 0) << healthy.output;
  std::string slow_node = ReadJson(run + "/report.json")["cluster"]["nodes"][1]["name"];
  std::string throttled = Throttled(dir, ReadJson(run + "/report.json"), slow_node);
  auto slow = RunKiln({"evaluate", throttled, "--baseline", derived, "--out", (dir.path() / "e2").string()});
  EXPECT_EQ(slow.exit_code, 1) << slow.output;
  for (const auto& v : Failures(ReadJson((dir.path() / "e2/report.json").string()))) {
    EXPECT_EQ(v["subject"]["nodes"][0], slow_node) << v.dump();
  }
}

TEST(DeriveCli, RefusesTooFewNodesAFailedReportAndGarbage) {
  testing::TempDir dir;
  auto one = RunKiln({"baseline", "derive", RealReportPath("h100-x1.json"), "-o", (dir.path() / "b.xml").string()});
  EXPECT_EQ(one.exit_code, 2) << one.output;
  EXPECT_NE(one.output.find("did not pass"), std::string::npos) << one.output;
  auto few = RunKiln({"baseline", "derive", RealReportPath("h100-x1.json"), "--allow-failed", "-o",
                      (dir.path() / "b.xml").string()});
  EXPECT_EQ(few.exit_code, 2) << few.output;
  EXPECT_NE(few.output.find("cover 1 node(s) (vm)"), std::string::npos) << few.output;
  std::string garbage = dir.Write("g.json", "{not json");
  auto bad = RunKiln({"baseline", "derive", garbage, "-o", (dir.path() / "b.xml").string()});
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find(garbage), std::string::npos) << bad.output;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "b.xml"));
}

}  // namespace
}  // namespace kiln

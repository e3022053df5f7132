// The verdict from outside, as a user and a dishonest supplier would meet it: `kiln evaluate` on the reports of
// real healthy GPUs and on edited copies. ACCEPTED only for the whole of an acceptance; a partial pass for less
// (exit 0, never the word ACCEPTED); nothing in the file waives a rule.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>

#include "core/files.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

using testing::ReadJson;
using testing::RealReportPath;
using testing::RunKiln;
using testing::SourceDir;

// An edited copy of a real report, written into `dir`.
std::string Edited(const testing::TempDir& dir, const std::string& fixture,
                   const std::function<void(nlohmann::json&)>& edit) {
  nlohmann::json report = ReadJson(RealReportPath(fixture));
  edit(report);
  return dir.Write("edited/report.json", report.dump());
}

void ScaleMetric(nlohmann::json& report, const std::string& metric, const std::string& type, double factor) {
  for (auto& m : report["measurements"]) {
    if (m["metric"] != metric || (!type.empty() && m["labels"].value("type", "") != type)) continue;
    for (auto& s : m["samples"]) s = s.get<double>() * factor;
    for (const char* key : {"median", "min", "max", "mean"}) m["summary"][key] = m["summary"][key].get<double>() * factor;
  }
}

TEST(VerdictCoverageCli, AHealthyAcceptanceIsAcceptedAndAQuickSweepIsAPartialPass) {
  testing::TempDir dir;
  auto accepted = RunKiln({"evaluate", RealReportPath("h200-x1-deep.json"), "--out", (dir.path() / "deep").string()});
  EXPECT_EQ(accepted.exit_code, 0) << accepted.output;
  nlohmann::json deep = ReadJson((dir.path() / "deep/report.json").string());
  EXPECT_EQ(deep["summary"]["outcome"], "pass");
  EXPECT_EQ(deep["summary"]["accepted"], true);
  EXPECT_EQ(deep["summary"]["coverage"]["judged"], deep["summary"]["coverage"]["required"]);
  EXPECT_NE(accepted.output.find(": ACCEPTED: "), std::string::npos) << accepted.output;

  auto quick = RunKiln({"evaluate", RealReportPath("h200-x1-quick.json"), "--out", (dir.path() / "quick").string()});
  EXPECT_EQ(quick.exit_code, 0) << quick.output;
  nlohmann::json partial = ReadJson((dir.path() / "quick/report.json").string());
  EXPECT_EQ(partial["summary"]["outcome"], "partial");
  EXPECT_EQ(partial["summary"]["accepted"], false);
  EXPECT_EQ(quick.output.find(": ACCEPTED: "), std::string::npos) << quick.output;
  EXPECT_NE(quick.output.find("PASSED: quick check, "), std::string::npos) << quick.output;
  EXPECT_NE(quick.output.find("not an acceptance"), std::string::npos) << quick.output;
  // Every rendering shows the same coverage.
  std::string judged = std::to_string(partial["summary"]["coverage"]["judged"].get<int>());
  std::string required = std::to_string(partial["summary"]["coverage"]["required"].get<int>());
  std::string words = judged + " of " + required + " acceptance rules judged";
  EXPECT_NE(ReadFile((dir.path() / "quick/report.html").string()).find(words), std::string::npos);
  EXPECT_NE(ReadFile((dir.path() / "quick/junit.xml").string()).find(R"(name="kiln.rules_judged" value=")" + judged),
            std::string::npos);
  EXPECT_NE(ReadFile((dir.path() / "quick/metrics.prom").string()).find("kiln_rules_judged{"), std::string::npos);
  auto md = RunKiln({"report", (dir.path() / "quick/report.json").string(), "--format", "md"});
  EXPECT_NE(md.output.find(words), std::string::npos) << md.output;
}

TEST(VerdictCoverageCli, EditedReportsAreNeverAccepted) {
  struct Case {
    const char* name;
    std::function<void(nlohmann::json&)> edit;
    int exit_code;
  };
  std::vector<Case> cases{
      {"steps emptied on a failing report", [](nlohmann::json& r) {
         ScaleMetric(r, "gpu.stress.tflops", "bf16", 0.5);
         r["steps"] = nlohmann::json::array();
       }, 1},
      {"steps removed on a failing report", [](nlohmann::json& r) {
         ScaleMetric(r, "hbm.triad_bw", "", 0.5);
         r.erase("steps");
       }, 1},
      {"contended 0 TFLOPS", [](nlohmann::json& r) {
         ScaleMetric(r, "gpu.stress.tflops", "bf16", 0.0);
         for (auto& m : r["measurements"]) m["unreliable"] = "contended";
       }, 1},
      {"GPU renamed", [](nlohmann::json& r) {
         for (auto& node : r["cluster"]["nodes"]) {
           for (auto& gpu : node["inventory"]["gpus"]["devices"]) gpu["name"] = "NVIDIA H300 200GB";
         }
       }, 1},
      {"no gpu_stress step", [](nlohmann::json& r) {
         nlohmann::json steps = nlohmann::json::array();
         for (auto& s : r["steps"]) {
           if (s["probe"] != "gpu_stress") steps.push_back(s);
         }
         r["steps"] = steps;
         nlohmann::json kept = nlohmann::json::array();
         for (auto& m : r["measurements"]) {
           if (m["probe"] != "gpu_stress") kept.push_back(m);
         }
         r["measurements"] = kept;
       }, 0},
      {"a floor turned into a ceiling", [](nlohmann::json& r) {
         ScaleMetric(r, "gpu.stress.tflops", "bf16", 0.5);
         for (auto& m : r["measurements"]) m["higher_is_better"] = false;
       }, 1},
      {"summary claims acceptance", [](nlohmann::json& r) {
         ScaleMetric(r, "pcie.h2d_bw", "", 0.5);
         r["summary"]["outcome"] = "pass";
         r["summary"]["accepted"] = true;
         r["summary"]["exit_code"] = 0;
       }, 1},
  };
  for (const Case& c : cases) {
    testing::TempDir dir;
    std::string input = Edited(dir, "h200-x1-deep.json", c.edit);
    std::vector<std::string> args{"evaluate", input, "--out", (dir.path() / "out").string()};
    if (std::string(c.name) == "GPU renamed") {
      args.insert(args.end(), {"--baseline", "h200-sxm-141gb", "--shape", "1gpu"});
    }
    auto r = RunKiln(args);
    EXPECT_EQ(r.exit_code, c.exit_code) << c.name << "\n" << r.output;
    nlohmann::json report = ReadJson((dir.path() / "out/report.json").string());
    EXPECT_EQ(report["summary"]["accepted"], false) << c.name;
    EXPECT_EQ(r.output.find(": ACCEPTED: "), std::string::npos) << c.name << "\n" << r.output;
    auto shown = RunKiln({"report", input, "--format", "text"});
    EXPECT_EQ(shown.output.find(": ACCEPTED: "), std::string::npos) << c.name << "\n" << shown.output;
  }
}

TEST(VerdictCoverageCli, AnH200JudgedAsAnH100NamesBothModels) {
  testing::TempDir dir;
  auto r = RunKiln({"evaluate", RealReportPath("h200-x1-deep.json"), "--baseline", "h100-sxm5-80gb", "--shape", "1gpu",
                    "--out", (dir.path() / "out").string()});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("GPU model mismatch"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("NVIDIA H200"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("NVIDIA H100"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace kiln

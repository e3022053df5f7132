// The harness in one process (LocalCommunicator): phases, timeouts, report, journal.

#include "runners/harness.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "reports/report.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

using testing::TempDir;

struct Fixture {
  TempDir dir;
  ProbeRegistry registry = ProbeRegistry::Default();
  BaselineChoice baseline;
  RunOptions options;

  Fixture() {
    baseline.catalog.push_back(LoadBaseline(testing::SourceDir() + "/baselines/cpu-host.xml", registry.AllMetrics()));
    options.out_dir = (dir.path() / "out").string();
    options.quiet = true;
  }
  nlohmann::json Run(const std::string& suite_xml, HarnessResult* result_out = nullptr) {
    Suite suite = LoadSuite(dir.Write("suite.xml", suite_xml), registry);
    HarnessResult result = RunHarness(std::make_shared<LocalCommunicator>(), suite, baseline, registry, options);
    if (result_out != nullptr) *result_out = result;
    return LoadReport(result.report_path);
  }
};

TEST(Harness, MeasuresEvaluatesAndWritesTheReport) {
  Fixture f;
  // Test floors (0.1 GB/s): on a busy host cpu-host's STREAM floor is judged inconclusive, as it should be.
  f.baseline.catalog = {LoadBaseline(f.dir.Write("floors.xml", R"(<baseline sku="floors" version="2">
    <expect metric="host.stream.*" rule="min" value="0.1" basis="policy" source="test floor"/>
    <expect metric="mpi.allreduce.busbw" labels="size=4MiB" rule="min" value="0.001" optional="true" basis="policy" source="test"/>
  </baseline>)"), f.registry.AllMetrics())};
  HarnessResult result;
  nlohmann::json report = f.Run(R"(<suite name="t">
    <phase name="health"><step probe="health"/></phase>
    <phase name="node"><step probe="host_stream"><param name="array_size" value="16MiB"/><param name="passes" value="2"/></step></phase>
    <phase name="group"><step probe="mpi_allreduce"/></phase>
  </suite>)", &result);
  EXPECT_EQ(result.exit_code, 0) << result.summary;
  EXPECT_EQ(report["schema"], kReportSchema);
  EXPECT_EQ(report["run"]["launcher"], "single");
  int stream = 0;
  for (const auto& m : report["measurements"]) {
    if (m["probe"] == "host_stream") {
      ++stream;
      EXPECT_GT(m["summary"]["median"].get<double>(), 0.1);
      EXPECT_EQ(m["samples"].size(), 2u);
    }
  }
  EXPECT_EQ(stream, 4);
  // Without MPI the all-reduce is skipped, with its reason, not invented.
  bool skipped = false;
  for (const auto& v : report["verdicts"]) {
    if (v["probe"] == "mpi_allreduce") {
      skipped = v["outcome"] == "skipped" && v["reason"].get<std::string>().find("not launched under MPI") != std::string::npos;
    }
  }
  EXPECT_TRUE(skipped);
  EXPECT_FALSE(report["cluster"]["nodes"][0]["inventory"].is_null());
  EXPECT_TRUE(std::filesystem::exists(f.options.out_dir + "/journal"));
}

TEST(Harness, AStepPastItsTimeoutIsReportedAndTheRunGoesOn) {
  Fixture f;
  HarnessResult result;
  auto start = std::chrono::steady_clock::now();
  nlohmann::json report = f.Run(R"(<suite name="t">
    <phase name="health"><step probe="sleep" timeout="300ms"><param name="duration" value="1h"/></step></phase>
    <phase name="node"><step probe="sleep" timeout="5s"><param name="duration" value="10ms"/></step></phase>
  </suite>)", &result);
  EXPECT_LT(Seconds(std::chrono::steady_clock::now() - start).count(), 10);
  EXPECT_EQ(result.exit_code, 1);
  ASSERT_EQ(report["steps"].size(), 2u);
  const auto& timed_out = report["steps"][0]["results"][0];
  EXPECT_EQ(timed_out["status"], "timeout");
  EXPECT_NE(timed_out["reason"].get<std::string>().find("step health/sleep on node"), std::string::npos) << timed_out;
  EXPECT_EQ(report["steps"][1]["results"][0]["status"], "measured");
  EXPECT_EQ(report["summary"]["outcome"], "error");
}

TEST(Harness, AbandonsAProbeThatIgnoresItsTimeout) {
  Fixture f;
  HarnessResult result;
  nlohmann::json report = f.Run(R"(<suite name="t">
    <phase name="node"><step probe="sleep" timeout="200ms"><param name="duration" value="4s"/><param name="ignore_stop" value="true"/></step></phase>
  </suite>)", &result);
  EXPECT_TRUE(result.abandoned_work);
  EXPECT_NE(report["steps"][0]["results"][0]["reason"].get<std::string>().find("abandoned"), std::string::npos);
}

TEST(Harness, AHostfileHostThatNeverJoinedIsAnError) {
  Fixture f;
  f.options.hosts = {{"node-that-never-came", 1, 2}};
  f.options.hosts_path = "hosts.txt";
  HarnessResult result;
  nlohmann::json report = f.Run(R"(<suite name="t"><phase name="node"><step probe="sleep"><param name="duration" value="1ms"/></step></phase></suite>)",
                                &result);
  EXPECT_EQ(result.exit_code, 1);
  bool found = false;
  for (const auto& v : report["verdicts"]) {
    found = found || (v["probe"] == "launch" && v["reason"] == "host listed in hosts.txt:2 did not join the job");
  }
  EXPECT_TRUE(found);
}

TEST(Harness, AnUnwritableOutputFolderIsARunError) {
  Fixture f;
  f.options.out_dir = "/proc/kiln-cannot-write-here";
  Suite suite = LoadSuite(f.dir.Write("s.xml", R"(<suite name="t"><phase name="node"><step probe="sleep"/></phase></suite>)"),
                          f.registry);
  EXPECT_THROW(RunHarness(std::make_shared<LocalCommunicator>(), suite, f.baseline, f.registry, f.options), RunError);
}

}  // namespace
}  // namespace kiln

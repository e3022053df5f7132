#include "reports/prometheus_textfile.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "reports/renderers.hpp"
#include "reports/report.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

nlohmann::json Report(const std::string& suite) {
  RunRecord r;
  r.cluster = "c1";
  r.suite_name = suite;
  r.baseline_sku = "cpu-host";
  r.nodes = {{"n1", {0}, nullptr}};
  r.measurements = {
      MakeMeasurement("host_stream", "host.stream.copy_bw", "GB/s", Subject::Node("n1"), {40, 41, 42}, true, "3 passes")};
  return BuildReport(r);
}

std::vector<std::string> Entries(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(PrometheusTextfile, OneFilePerSuiteReplacedWholeWithNothingElseLeft) {
  testing::TempDir dir;
  std::string quick = WritePrometheusTextfile(dir.path().string(), Report("quick"));
  std::string acceptance = WritePrometheusTextfile(dir.path().string(), Report("acceptance"));
  EXPECT_EQ(quick, (dir.path() / "kiln-quick.prom").string());
  EXPECT_EQ(Entries(dir.path()), (std::vector<std::string>{"kiln-acceptance.prom", "kiln-quick.prom"}));
  nlohmann::json again = Report("quick");
  again["cluster"]["name"] = "c2";
  WritePrometheusTextfile(dir.path().string(), again);
  EXPECT_EQ(ReadFile(quick), RenderPrometheus(again));
  EXPECT_EQ(Entries(dir.path()).size(), 2u);
  EXPECT_EQ(std::filesystem::status(acceptance).permissions() & std::filesystem::perms::others_read,
            std::filesystem::perms::others_read);  // node_exporter may run as another user
}

TEST(PrometheusTextfile, ASuiteFileNameCannotLeaveTheFolder) {
  EXPECT_EQ(TextfileName("../../etc/x y"), "kiln-.._.._etc_x_y.prom");
  EXPECT_EQ(TextfileName(""), "kiln-unnamed.prom");
}

// A failed write is exit 3 naming the file, and leaves no temporary file that node_exporter (or a person) would see.
TEST(PrometheusTextfile, AFailedWriteNamesTheFileAndLeavesNoTemporaryFile) {
  testing::TempDir dir;
  dir.Write("kiln-quick.prom/in-the-way", "a folder where the file should go");
  try {
    WritePrometheusTextfile(dir.path().string(), Report("quick"));
    FAIL() << "wrote over a folder";
  } catch (const RunError& e) {
    EXPECT_EQ(e.exit_code(), kExitCannotRun);
    EXPECT_NE(std::string(e.what()).find("kiln-quick.prom"), std::string::npos) << e.what();
  }
  EXPECT_EQ(Entries(dir.path()), (std::vector<std::string>{"kiln-quick.prom"}));
  EXPECT_THROW(WritePrometheusTextfile((dir.path() / "missing").string(), Report("quick")), RunError);
}

}  // namespace
}  // namespace kiln

// The HTML report in a real browser (headless Chromium): it renders, shows the verdict, a hostile hostname
// stays text, and the screenshot is not blank.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/files.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

using testing::RunCommand;

std::vector<std::string> Chromium(const std::string& profile, std::vector<std::string> args) {
  std::vector<std::string> argv{"chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                                "--disable-sync", "--user-data-dir=" + profile, "--window-size=1200,1600"};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

TEST(HtmlReport, RendersInChromiumWithTheVerdictAndEscapedNames) {
  if (::access("/usr/bin/chromium", X_OK) != 0) GTEST_SKIP() << "chromium is not installed (scripts/install-deps --test)";
  testing::TempDir dir;
  std::string out = (dir.path() / "out").string();
  auto run = RunCommand({testing::KilnBinary(), "run", "--quiet", "--suite",
                         testing::SourceDir() + "/tests/fixtures/suites/mpi_small.xml", "--out", out, "--cluster",
                         "rack<script>document.title='pwned'</script>"},
                        120);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  std::string url = "file://" + out + "/report.html";
  std::string profile = (dir.path() / "profile").string();

  auto dom = RunCommand(Chromium(profile, {"--dump-dom", url}), 90);
  ASSERT_EQ(dom.exit_code, 0) << dom.output;
  EXPECT_NE(dom.output.find("id=\"verdict\""), std::string::npos);
  EXPECT_NE(dom.output.find("Cluster accepted"), std::string::npos) << dom.output.substr(0, 2000);
  EXPECT_NE(dom.output.find("rack&lt;script&gt;"), std::string::npos);
  EXPECT_EQ(dom.output.find("pwned</title>"), std::string::npos) << "the hostname ran as a script";

  // Not blank: the report's screenshot holds far more than an empty page's of the same size.
  std::string blank_html = dir.Write("blank.html", "<!DOCTYPE html><html><body></body></html>");
  auto shot = RunCommand(Chromium(profile, {"--screenshot=" + out + "/report.png", url}), 90);
  auto blank = RunCommand(Chromium(profile, {"--screenshot=" + out + "/blank.png", "file://" + blank_html}), 90);
  ASSERT_TRUE(std::filesystem::exists(out + "/report.png")) << shot.output;
  ASSERT_TRUE(std::filesystem::exists(out + "/blank.png")) << blank.output;
  auto report_bytes = std::filesystem::file_size(out + "/report.png");
  auto blank_bytes = std::filesystem::file_size(out + "/blank.png");
  EXPECT_GT(report_bytes, 10 * blank_bytes) << report_bytes << " vs blank " << blank_bytes;
}

}  // namespace
}  // namespace kiln

// The HTML report in a real browser (headless Chromium): it renders, shows the verdict, a hostile hostname
// stays text, and its screenshots show the charts' elements: each collective's line and legend, the bounds and
// references, the burn's course, the failing node's red bar (on a real H200 report and on a 4-node report).

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "core/files.hpp"
#include "reports/report.hpp"
#include "tests/support/png_pixels.hpp"
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

// The whole page as the browser paints it (tall enough for the longest report) and as its DOM.
struct Rendered {
  std::string dom;
  testing::Pixels pixels;
};
Rendered RenderInChromium(const testing::TempDir& dir, const std::string& html_path) {
  std::string profile = (dir.path() / "profile").string();
  std::string png = html_path + ".png";
  auto dom = RunCommand(Chromium(profile, {"--dump-dom", "file://" + html_path}), 90);
  EXPECT_EQ(dom.exit_code, 0) << dom.output;
  auto shot = RunCommand(Chromium(profile, {"--window-size=1200,14000", "--screenshot=" + png, "file://" + html_path}), 120);
  if (!std::filesystem::exists(png)) ADD_FAILURE() << "no screenshot: " << shot.output;
  return {dom.output, std::filesystem::exists(png) ? testing::ReadPng(png) : testing::Pixels{}};
}

bool HasChromium() { return ::access("/usr/bin/chromium", X_OK) == 0; }

TEST(HtmlReport, RendersInChromiumWithTheVerdictAndEscapedNames) {
  if (!HasChromium()) GTEST_SKIP() << "chromium is not installed (scripts/install-deps --test)";
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
  // mpi_small runs no host_compute step: its rules are not judged, so a healthy run is a partial pass.
  EXPECT_NE(dom.output.find("Passed, not an acceptance"), std::string::npos) << dom.output.substr(0, 2000);
  EXPECT_NE(dom.output.find("PASSED: mpi-small check, "), std::string::npos) << dom.output.substr(0, 2000);
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

// Line colours of the first five series and of the bounds (reports/html_charts.cpp).
constexpr const char* kSeriesColours[] = {"#0969da", "#8250df", "#1b7c83", "#bf3989", "#1a7f37"};
constexpr const char* kFailColour = "#cf222e";
constexpr const char* kWarnColour = "#bf8700";
constexpr const char* kPassColour = "#2da44e";

TEST(HtmlReport, TheH200ReportShowsEveryCollectiveEveryBoundAndTheBurnOverTime) {
  if (!HasChromium()) GTEST_SKIP() << "chromium is not installed (scripts/install-deps --test)";
  testing::TempDir dir;
  std::string out = (dir.path() / "out").string();
  // The real H200 run, judged by today's H200 baseline (its verdicts carry each rule's severity and reference).
  auto evaluated = testing::RunKiln({"evaluate", testing::SourceDir() + "/tests/fixtures/real/h200-x1-deep.json",
                                     "--baseline", "h200-sxm-141gb", "--out", out});
  ASSERT_TRUE(std::filesystem::exists(out + "/report.html")) << evaluated.output;
  Rendered page = RenderInChromium(dir, out + "/report.html");

  EXPECT_NE(page.dom.find("aria-label=\"nccl.busbw by message size\""), std::string::npos);
  for (const char* collective : {"all_reduce", "all_gather", "reduce_scatter", "alltoall", "broadcast"}) {
    EXPECT_NE(page.dom.find(fmt::format(">{}</text>", collective)), std::string::npos) << collective << " has no legend entry";
  }
  EXPECT_NE(page.dom.find("values on a log scale"), std::string::npos);
  for (const char* metric : {"gpu.stress.power", "gpu.stress.sm_clock", "gpu.stress.temperature"}) {
    EXPECT_NE(page.dom.find(fmt::format("aria-label=\"{} over time\"", metric)), std::string::npos) << metric;
  }
  for (const char* mark : {">fail bound</text>", ">warn bound</text>", ">reference</text>"}) {
    EXPECT_NE(page.dom.find(mark), std::string::npos) << mark;
  }
  EXPECT_FALSE(std::regex_search(page.dom, std::regex(">[0-9.]+e\\+[0-9]+<"))) << "a tick label in exponent form";

  // What was painted: every collective's colour (line and legend swatch) and the bounds. (The reference's grey
  // is also what grey text's anti-aliased edges give, so its presence is checked in the DOM above.)
  ASSERT_GT(page.pixels.width, 0);
  for (const char* colour : kSeriesColours) EXPECT_GT(testing::CountColour(page.pixels, colour), 20) << colour;
  EXPECT_GT(testing::CountColour(page.pixels, kFailColour), 100);
  EXPECT_GT(testing::CountColour(page.pixels, kWarnColour), 20);
}

TEST(HtmlReport, AFourNodeReportPutsTheFailingNodeFirstAndPaintsItsBarRed) {
  if (!HasChromium()) GTEST_SKIP() << "chromium is not installed (scripts/install-deps --test)";
  RunRecord r;
  r.cluster = "rack7";
  r.suite_name = "quick";
  r.baseline_sku = "cpu-host";
  std::vector<std::string> nodes{"n1", "n2", "n3", "n4"};
  for (int i = 0; i < 4; ++i) r.nodes.push_back({nodes[static_cast<std::size_t>(i)], {i}, nullptr});
  for (const std::string& n : nodes) {
    double bw = n == "n3" ? 9 : 40;
    Measurement m = MakeMeasurement("host_stream", "host.stream.copy_bw", "GB/s", Subject::Node(n), {bw, bw + 1, bw + 2},
                                    true, "3 passes");
    r.measurements.push_back(m);
    Verdict v{"host_stream", "host.stream.copy_bw", "host.stream.copy_bw", Subject::Node(n),
              n == "n3" ? Outcome::kFail : Outcome::kPass, fmt::format("{} vs min 20", bw + 1), "min 20 GB/s", "floor",
              bw + 1, 20.0, "", std::nullopt, Outcome::kFail};
    r.verdicts.push_back(v);
  }
  for (std::size_t a = 0; a < nodes.size(); ++a) {
    for (std::size_t b = a + 1; b < nodes.size(); ++b) {
      r.measurements.push_back(MakeMeasurement("mpi_link", "mpi.link.bandwidth", "GB/s", Subject::Pair(nodes[a], nodes[b]),
                                               {nodes[a] == "n3" || nodes[b] == "n3" ? 0.012 : 0.45}, true, "3 samples"));
    }
  }
  r.verdicts.push_back({"mpi_link", "", "", Subject::Group(nodes), Outcome::kSkipped, "skipped: nothing to see", "", "",
                        std::nullopt, std::nullopt, "", std::nullopt, Outcome::kFail});
  testing::TempDir dir;
  std::string json_path = dir.Write("report.json", BuildReport(r).dump());
  std::string html_path = (dir.path() / "report.html").string();
  auto rendered = testing::RunKiln({"report", json_path, "--format", "html", "-o", html_path});
  ASSERT_EQ(rendered.exit_code, 0) << rendered.output;
  Rendered page = RenderInChromium(dir, html_path);

  std::size_t failing = page.dom.find(">n3</td>"), skipped = page.dom.find(">skipped</td>");
  ASSERT_NE(failing, std::string::npos);
  EXPECT_LT(failing, skipped) << "the failure is not listed first";
  EXPECT_NE(page.dom.find("aria-label=\"matrix, GB/s\""), std::string::npos);  // the pairs as a heat map, its unit
  ASSERT_GT(page.pixels.width, 0);
  // n3's bar (9 of a 50 GB/s axis, 16 px tall) is red; the other three are green; the floor is dashed red on each row.
  EXPECT_GT(testing::CountColour(page.pixels, kFailColour), 16 * 60);
  EXPECT_GT(testing::CountColour(page.pixels, kPassColour), 3 * 16 * 300);
}

}  // namespace
}  // namespace kiln

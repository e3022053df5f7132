// report.md on a big cluster (issue 28 item 6): failures first, a size bounded whatever the node count, the
// baseline named by its own file and hash; and the HTML heatmap's colour scale and unit.

#include <gtest/gtest.h>

#include <cstdio>

#include "reports/html_charts.hpp"
#include "reports/renderers.hpp"
#include "reports/report.hpp"

namespace kiln {
namespace {

// The bound README's "Reports" promises for report.md.
constexpr std::size_t kMarkdownBoundBytes = 256 * 1024;

// `nodes` nodes of two classes (8 x H200 and CPU-only), three per-node series each, every third node failing.
nlohmann::json BigReport(int nodes) {
  RunRecord r;
  r.cluster = "big";
  r.suite_name = "acceptance";
  r.baseline_sku = "h200-sxm-141gb";
  for (int i = 0; i < nodes; ++i) {
    std::string name = fmt::format("gpu-node-{:04}", i);
    nlohmann::json inventory = i % 2 == 0
        ? nlohmann::json{{"gpus", {{"devices", nlohmann::json::array({{{"index", 0}, {"name", "NVIDIA H200"}}})}}}}
        : nlohmann::json{{"cpu_model", "Xeon 8480"}};
    r.nodes.push_back({name, {i}, inventory});
    for (const char* metric : {"host.stream.copy_bw", "host.stream.triad_bw", "host.stream.scale_bw"}) {
      double v = i % 3 == 0 ? 10 : 40 + i % 7;
      r.measurements.push_back(MakeMeasurement("host_stream", metric, "GB/s", Subject::Node(name), {v, v + 1, v + 2},
                                               true, "3 passes"));
    }
    Outcome outcome = i % 3 == 0 ? Outcome::kFail : Outcome::kPass;
    r.verdicts.push_back({"host_stream", "host.stream.copy_bw", "host.stream.copy_bw", Subject::Node(name), outcome,
                          fmt::format("{} vs min 20 on {}", i % 3 == 0 ? 11 : 41, name), "min 20 GB/s", "floor",
                          41.0, 20.0, "", std::nullopt, Outcome::kFail});
  }
  return BuildReport(r);
}

TEST(RenderMarkdown, AThousandNodesStayUnderTheBoundWithFailuresFirst) {
  std::string md = RenderMarkdown(BigReport(1000));
  EXPECT_LT(md.size(), kMarkdownBoundBytes);
  std::size_t failures = md.find("## Subjects that did not pass");
  std::size_t measurements = md.find("## Measurements, per node class");
  ASSERT_NE(failures, std::string::npos);
  ASSERT_NE(measurements, std::string::npos) << "1000 nodes x 3 series should be summarised";
  EXPECT_LT(failures, measurements);
  EXPECT_NE(md.find("294 more subject(s) did not pass"), std::string::npos) << md.substr(0, 4000);  // 334 - 40
  EXPECT_NE(md.find("| host_stream | fail | 334 |"), std::string::npos);
  // One row per series and class: 500 GPU nodes and 500 CPU nodes, the slowest named.
  EXPECT_NE(md.find("| host_stream | host.stream.copy_bw | 1 x NVIDIA H200 | 500 |"), std::string::npos);
  EXPECT_NE(md.find("| host_stream | host.stream.copy_bw | Xeon 8480 | 500 |"), std::string::npos);
  EXPECT_NE(md.find("| 11 (gpu-node-0000) |"), std::string::npos) << md.substr(md.find("## Measurements"));
  std::printf("report.md of 1000 nodes: %zu bytes\n", md.size());
  EXPECT_EQ(md.find("gpu-node-0999 |"), std::string::npos) << "a row per node";
}

TEST(RenderMarkdown, ASmallClusterKeepsEveryMeasurementAndFailuresComeBeforeWarnings) {
  nlohmann::json report = BigReport(4);
  report["verdicts"][1]["outcome"] = "warn";  // gpu-node-0001 warns; it comes before gpu-node-0003's failure in order
  std::string md = RenderMarkdown(report);
  EXPECT_NE(md.find("## Measurements\n"), std::string::npos);
  EXPECT_NE(md.find("| host_stream | host.stream.triad_bw | gpu-node-0003 |"), std::string::npos) << md;
  EXPECT_LT(md.find("| fail | host_stream | gpu-node-0003 |"), md.find("| warn | host_stream | gpu-node-0001 |")) << md;
}

// A site's edited copy of a shipped baseline keeps the shipped SKU: its own file and hash tell it apart.
TEST(RenderMarkdown, AnEditedBaselineShowsItsOwnFileAndHash) {
  nlohmann::json report = BigReport(2);
  report["baseline"]["path"] = "/etc/kiln/h200-site-edited.xml";
  report["baseline"]["sha256"] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  for (const std::string& text : {RenderMarkdown(report), RenderHtml(report)}) {
    EXPECT_NE(text.find("h200-sxm-141gb (file h200-site-edited.xml, sha256 0123456789ab)"), std::string::npos) << text;
  }
}

TEST(HeatMap, HasAColourScaleInTheMeasurementsUnit) {
  std::vector<Measurement> ms;
  for (const auto& [a, b, v] : std::vector<std::tuple<std::string, std::string, double>>{
           {"n1", "n2", 20}, {"n1", "n3", 40}, {"n2", "n3", 10}}) {
    ms.push_back(MakeMeasurement("mpi_link", "mpi.link.bw", "GB/s", Subject::Pair(a, b), {v}, true, "m"));
  }
  std::string svg = HeatMap(ms);
  EXPECT_NE(svg.find("class=\"colour-scale\""), std::string::npos) << svg;
  EXPECT_NE(svg.find(">GB/s (median; darker is larger)</text>"), std::string::npos) << svg;
  EXPECT_NE(svg.find("n1 -&gt; n3: 40 GB/s"), std::string::npos) << svg;
  EXPECT_NE(svg.find(">40</text>"), std::string::npos) << "the scale's top tick";
}

}  // namespace
}  // namespace kiln

#include "reports/renderers.hpp"

#include <gtest/gtest.h>
#include <pugixml.hpp>

#include <regex>
#include <sstream>

#include "core/errors.hpp"
#include "reports/report.hpp"

namespace kiln {
namespace {

// A report as BuildReport makes it: two nodes (one with a hostile name), a failing measurement, a skipped step.
nlohmann::json SampleReport() {
  RunRecord r;
  r.cluster = "c1";
  r.suite_name = "quick";
  r.baseline_sku = "cpu-host";
  const std::string evil = "n2<script>alert(\"x\")</script>";
  r.nodes = {{"n1", {0}, nullptr}, {evil, {1}, nullptr}};
  r.measurements = {
      MakeMeasurement("host_stream", "host.stream.copy_bw", "GB/s", Subject::Node("n1"), {40, 41, 42}, true, "3 passes"),
      MakeMeasurement("host_stream", "host.stream.copy_bw", "GB/s", Subject::Node(evil), {10, 11, 12}, true, "3 passes"),
      MakeMeasurement("mpi_allreduce", "mpi.allreduce.busbw", "GB/s", Subject::Group({"n1", evil}), {1}, true, "m",
                      {{"size", "8B"}}),
      MakeMeasurement("mpi_allreduce", "mpi.allreduce.busbw", "GB/s", Subject::Group({"n1", evil}), {5}, true, "m",
                      {{"size", "1MiB"}}),
      MakeMeasurement("mpi_allreduce", "mpi.allreduce.busbw", "GB/s", Subject::Group({"n1", evil}), {9}, true, "m",
                      {{"size", "64MiB"}}),
  };
  Verdict pass{"host_stream", "host.stream.copy_bw", "host.stream.copy_bw", Subject::Node("n1"), Outcome::kPass,
               "41 >= min 20", "min 20 GB/s", "floor", 41.0, 20.0, ""};
  Verdict fail{"host_stream", "host.stream.copy_bw", "host.stream.copy_bw", Subject::Node(evil), Outcome::kFail,
               "11 < min 20", "min 20 GB/s", "floor", 11.0, 20.0, ""};
  Verdict skipped{"mpi_link", "", "", Subject::Group({"n1", evil}), Outcome::kSkipped, "skipped: needs 2 nodes", "",
                  "", std::nullopt, std::nullopt, ""};
  r.verdicts = {pass, fail, skipped};
  return BuildReport(r);
}

TEST(RenderJunit, OneTestcasePerProbeAndSubjectWithReasons) {
  std::string xml = RenderJunit(SampleReport());
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(xml.c_str())) << xml;
  pugi::xml_node suites = doc.child("testsuites");
  EXPECT_EQ(suites.attribute("tests").as_int(), 3);
  EXPECT_EQ(suites.attribute("failures").as_int(), 1);
  EXPECT_EQ(suites.attribute("skipped").as_int(), 1);
  pugi::xml_node failure = doc.select_node("//testcase/failure").node();
  ASSERT_TRUE(failure);
  EXPECT_NE(std::string(failure.attribute("message").value()).find("11 < min 20"), std::string::npos);
  EXPECT_EQ(std::string(failure.parent().attribute("name").value()), "n2<script>alert(\"x\")</script>");
}

TEST(RenderJunit, ControlCharactersInANodeNameStayWellFormedXml) {
  nlohmann::json report = SampleReport();
  std::string bad = "n\x01\x1b[2Jx";
  report["verdicts"][1]["subject"]["nodes"][0] = bad;
  report["verdicts"][1]["reason"] = "slow on " + bad;
  std::string xml = RenderJunit(report);
  EXPECT_EQ(xml.find("&#"), std::string::npos) << xml;  // XML 1.0 forbids character references to controls
  EXPECT_EQ(xml.find('\x1b'), std::string::npos);
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(xml.c_str()));
  EXPECT_NE(xml.find("n\\x01\\x1b[2Jx"), std::string::npos) << xml;  // visible, not lost
}

TEST(RenderPrometheus, ACraftedReportCannotAddASampleOrBreakTheFile) {
  nlohmann::json report = SampleReport();
  nlohmann::json& m = report["measurements"][0];
  m["metric"] = "host.stream.copy_bw\nkiln_fake 1";
  m["labels"] = {{"size\"} 99\nkiln_fake{a", "1"}, {"9lives", "x\ny"}};
  std::string text = RenderPrometheus(report);
  EXPECT_EQ(text.find("\nkiln_fake"), std::string::npos) << text;
  // Every line is a comment or `name{labels} value` with well-formed names.
  std::regex sample(R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? \S+$)");
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("# ", 0) == 0) continue;
    EXPECT_TRUE(std::regex_match(line, sample)) << line;
  }
}

TEST(RenderPrometheus, WritesValidExpositionWithEscapedLabels) {
  std::string text = RenderPrometheus(SampleReport());
  EXPECT_NE(text.find("# TYPE kiln_host_stream_copy_bw_gigabytes_per_second gauge"), std::string::npos) << text;
  EXPECT_NE(text.find("kiln_host_stream_copy_bw_gigabytes_per_second{node=\"n1\"} 41"), std::string::npos) << text;
  EXPECT_NE(text.find("node=\"n2<script>alert(\\\"x\\\")</script>\""), std::string::npos) << text;
  EXPECT_NE(text.find("kiln_run_accepted{cluster=\"c1\",suite=\"quick\"} 0"), std::string::npos) << text;
  // Every sample line: name{labels} value.
  std::regex sample(R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? -?[0-9.e+-]+$)");
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    EXPECT_TRUE(std::regex_match(line, sample)) << line;
  }
}

TEST(RenderHtml, SelfContainedVerdictFirstAndEscaped) {
  std::string html = RenderHtml(SampleReport());
  EXPECT_EQ(html.find("<script"), std::string::npos) << "a node's name became markup";
  EXPECT_NE(html.find("n2&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"), std::string::npos);
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_LT(html.find("Cluster NOT accepted"), html.find("<h2>host_stream</h2>"));
  EXPECT_NE(html.find("This report is not signed"), std::string::npos);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("threshold 20"), std::string::npos);
  EXPECT_NE(html.find("by message size"), std::string::npos);  // the busbw curve
}

TEST(RenderMarkdown, ListsFailingSubjectsAndMeasurements) {
  std::string md = RenderMarkdown(SampleReport());
  EXPECT_NE(md.find("**NOT ACCEPTED**"), std::string::npos);
  EXPECT_NE(md.find("| fail | host_stream |"), std::string::npos) << md;
  EXPECT_NE(md.find("mpi.allreduce.busbw{size=64MiB}"), std::string::npos);
}

TEST(Render, UnknownFormatIsBadInput) { EXPECT_THROW(Render(SampleReport(), "pdf"), InputError); }

}  // namespace
}  // namespace kiln

#include "reports/renderers.hpp"

#include <gtest/gtest.h>
#include <pugixml.hpp>

#include <map>
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
               "41 >= min 20", "min 20 GB/s", "floor", 41.0, 20.0, "", std::nullopt, Outcome::kFail};
  Verdict fail{"host_stream", "host.stream.copy_bw", "host.stream.copy_bw", Subject::Node(evil), Outcome::kFail,
               "11 < min 20", "min 20 GB/s", "floor", 11.0, 20.0, "", std::nullopt, Outcome::kFail};
  Verdict skipped{"mpi_link", "", "", Subject::Group({"n1", evil}), Outcome::kSkipped, "skipped: needs 2 nodes", "",
                  "", std::nullopt, std::nullopt, "", std::nullopt, Outcome::kFail};
  r.verdicts = {pass, fail, skipped};
  return BuildReport(r);
}

TEST(RenderJunit, OneTestcasePerVerdictWithItsValueAndTheRunAsProperties) {
  nlohmann::json report = SampleReport();
  report["run"]["started"] = "2026-11-26T07:06:43Z";
  report["run"]["duration_s"] = 12.5;
  std::string xml = RenderJunit(report);
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(xml.c_str())) << xml;
  pugi::xml_node suites = doc.child("testsuites");
  EXPECT_EQ(suites.attribute("tests").as_int(), 3);
  EXPECT_EQ(suites.attribute("failures").as_int(), 1);
  EXPECT_EQ(suites.attribute("skipped").as_int(), 1);
  EXPECT_DOUBLE_EQ(suites.attribute("time").as_double(), 12.5);
  pugi::xml_node failure = doc.select_node("//testcase/failure").node();
  ASSERT_TRUE(failure);
  EXPECT_NE(std::string(failure.attribute("message").value()).find("11 < min 20"), std::string::npos);
  EXPECT_EQ(std::string(failure.parent().attribute("name").value()),
            "host.stream.copy_bw @ n2<script>alert(\"x\")</script>");
  // A passing case carries its value too.
  pugi::xml_node pass = doc.select_node("//testcase[@name='host.stream.copy_bw @ n1']").node();
  ASSERT_TRUE(pass);
  std::string out = pass.child("system-out").text().get();
  EXPECT_NE(out.find("value: 41"), std::string::npos) << out;
  EXPECT_NE(out.find("threshold: 20"), std::string::npos) << out;
  EXPECT_NE(out.find("source: floor"), std::string::npos) << out;
  // The structure CI dashboards read (Jenkins' JUnit schema): every testsuite has its counts, time, timestamp,
  // hostname and properties first; every testcase a classname, a name and a time.
  for (pugi::xml_node suite : suites.children("testsuite")) {
    for (const char* attribute : {"name", "tests", "failures", "errors", "skipped", "time", "timestamp", "hostname"}) {
      EXPECT_TRUE(suite.attribute(attribute)) << attribute << " missing on " << suite.attribute("name").value();
    }
    EXPECT_EQ(std::string(suite.attribute("timestamp").value()), "2026-11-26T07:06:43Z");
    EXPECT_EQ(std::string(suite.attribute("hostname").value()), "c1");
    ASSERT_EQ(std::string(suite.first_child().name()), "properties");
    std::map<std::string, std::string> properties;
    for (pugi::xml_node p : suite.first_child().children("property")) properties[p.attribute("name").value()] = p.attribute("value").value();
    EXPECT_EQ(properties["kiln.suite"], "quick");
    EXPECT_EQ(properties["kiln.baseline"], "cpu-host");
    EXPECT_EQ(properties["kiln.accepted"], "false");
    EXPECT_TRUE(properties.count("kiln.version"));
    int cases = 0;
    for (pugi::xml_node testcase : suite.children("testcase")) {
      ++cases;
      for (const char* attribute : {"classname", "name", "time"}) EXPECT_TRUE(testcase.attribute(attribute)) << attribute;
    }
    EXPECT_EQ(cases, suite.attribute("tests").as_int());
  }
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

TEST(RenderPrometheus, WritesBaseUnitsAndEscapedLabels) {
  std::string text = RenderPrometheus(SampleReport());
  EXPECT_NE(text.find("# TYPE kiln_host_stream_copy_bw_bytes_per_second gauge"), std::string::npos) << text;
  EXPECT_NE(text.find("kiln_host_stream_copy_bw_bytes_per_second{cluster=\"c1\",suite=\"quick\",node=\"n1\"} 41000000000"), std::string::npos) << text;
  EXPECT_NE(text.find("node=\"n2<script>alert(\\\"x\\\")</script>\""), std::string::npos) << text;
  EXPECT_NE(text.find("kiln_run_accepted{cluster=\"c1\",suite=\"quick\"} 0"), std::string::npos) << text;
  EXPECT_NE(text.find("kiln_run_info{cluster=\"c1\",suite=\"quick\",version="), std::string::npos) << text;
  // The rule's bound, in the same base unit.
  EXPECT_NE(text.find("kiln_expectation_threshold{cluster=\"c1\",suite=\"quick\",series=\"host.stream.copy_bw\",rule=\"min 20 GB/s\"} 20000000000"),
            std::string::npos) << text;
  // Every sample line: name{labels} value.
  std::regex sample(R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? -?[0-9.e+-]+$)");
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    EXPECT_TRUE(std::regex_match(line, sample)) << line;
  }
}

TEST(RenderPrometheus, ASkippedSubjectIsNotOkAndASweepExportsItsLargestSize) {
  std::string text = RenderPrometheus(SampleReport());
  // The skipped mpi_link group: its outcome, but no kiln_subject_ok sample that would read as healthy.
  EXPECT_NE(text.find("kiln_subject_outcome{cluster=\"c1\",suite=\"quick\",probe=\"mpi_link\",group_size=\"2\",outcome=\"skipped\"} 1"),
            std::string::npos) << text;
  EXPECT_EQ(text.find("kiln_subject_ok{cluster=\"c1\",suite=\"quick\",probe=\"mpi_link\""), std::string::npos) << text;
  EXPECT_NE(text.find("kiln_subject_ok{cluster=\"c1\",suite=\"quick\",probe=\"host_stream\",node=\"n1\"} 1"), std::string::npos) << text;
  // mpi.allreduce.busbw at 8 B, 1 MiB and 64 MiB, none judged: only 64 MiB, its size in bytes.
  EXPECT_NE(text.find("size_bytes=\"67108864\"} 9000000000"), std::string::npos) << text;
  EXPECT_EQ(text.find("size_bytes=\"8\""), std::string::npos) << text;
  EXPECT_EQ(text.find("_count"), std::string::npos) << text;
}

// Stable labels for a textfile folder that holds several suites' (or clusters') files: every sample carries the
// run's cluster and suite, and a measurement's own label of that name cannot replace them.
TEST(RenderPrometheus, EverySampleCarriesTheClusterAndSuiteFirst) {
  nlohmann::json report = SampleReport();
  report["measurements"][0]["labels"] = {{"suite", "forged"}};
  std::string text = RenderPrometheus(report);
  std::istringstream lines(text);
  int samples = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    ++samples;
    EXPECT_EQ(line.find("{cluster=\"c1\",suite=\"quick\""), line.find('{')) << line;
  }
  EXPECT_GT(samples, 10);
  EXPECT_EQ(text.find("forged"), std::string::npos) << text;
}

// Per node, for alerts: "node failing" (kiln_node_ok == 0) and "no sweep for 2 days" (the last run's time).
TEST(RenderPrometheus, EachNodeHasItsOutcomeAndLastRunTime) {
  nlohmann::json report = SampleReport();
  report["run"]["started"] = "2026-11-26T07:06:43Z";
  std::string text = RenderPrometheus(report);
  const std::string evil = "n2<script>alert(\\\"x\\\")</script>";
  EXPECT_NE(text.find("kiln_node_ok{cluster=\"c1\",suite=\"quick\",node=\"n1\",Hostname=\"n1\"} 1"), std::string::npos)
      << text;
  EXPECT_NE(text.find("kiln_node_ok{cluster=\"c1\",suite=\"quick\",node=\"" + evil + "\",Hostname=\"" + evil + "\"} 0"),
            std::string::npos) << text;
  EXPECT_NE(text.find("kiln_node_outcome{cluster=\"c1\",suite=\"quick\",node=\"" + evil + "\",Hostname=\"" + evil +
                      "\",outcome=\"fail\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find("kiln_node_last_run_timestamp_seconds{cluster=\"c1\",suite=\"quick\",node=\"n1\",Hostname=\"n1\"} "
                      "1795676803"), std::string::npos) << text;
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
  EXPECT_NE(html.find("fail bound 20 GB/s"), std::string::npos);  // the floor, drawn on the failing bar
  EXPECT_NE(html.find("by message size"), std::string::npos);  // the busbw curve
}

TEST(RenderHtml, TheNodeTableNamesEachGpusUuidSerialAndVbios) {
  RunRecord r;
  r.cluster = "c1";
  nlohmann::json inventory{{"cpu_count", 16}, {"cpu_model", "Xeon"}, {"os", "Debian 12"}, {"kernel", "6.1"},
                           {"gpus", {{"available", true}, {"driver_version", "580.159.04"},
                                     {"devices", {{{"index", 0}, {"name", "NVIDIA H200"}, {"uuid", "GPU-1109"},
                                                   {"serial", "1653724049155"}, {"vbios", "96.00.AF.00.01"}}}}}}};
  r.nodes = {{"n1", {0}, inventory}};
  std::string html = RenderHtml(BuildReport(r));
  EXPECT_NE(html.find("gpu0 NVIDIA H200 (GPU-1109, serial 1653724049155, VBIOS 96.00.AF.00.01)"), std::string::npos)
      << html;
}

TEST(RenderHtml, ACounterAtZeroTakesOneLineUnlessZeroFailed) {
  RunRecord r;
  r.cluster = "c1";
  r.nodes = {{"n1", {0}, nullptr}};
  r.measurements = {MakeMeasurement("health", "health.gpu_xid_fatal", "count", Subject::Node("n1"), {0}, false, "kmsg"),
                    MakeMeasurement("health", "health.ib_port_active", "count", Subject::Node("n1"), {0}, true, "sysfs")};
  r.verdicts = {{"health", "health.ib_port_active", "health.ib_port_active", Subject::Node("n1"), Outcome::kFail,
                 "0 != 1", "equal 1", "shape", 0.0, 1.0, "", std::nullopt, Outcome::kFail}};
  std::string html = RenderHtml(BuildReport(r));
  EXPECT_NE(html.find("<h3>health.gpu_xid_fatal (count)</h3><p class=\"note\">0 on all 1 subject(s)."), std::string::npos)
      << html;
  EXPECT_NE(html.find("<h3>health.ib_port_active (count)</h3><svg"), std::string::npos) << "a failing zero lost its chart";
}

TEST(RenderHtml, BarsOfOneSubjectsSeriesAreNamedByTheirLabelValues) {
  RunRecord r;
  r.cluster = "c1";
  r.nodes = {{"n1", {0}, nullptr}};
  Subject gpu = Subject::Device("n1", "gpu0");
  r.measurements = {
      MakeMeasurement("gpu_stress", "gpu.stress.tflops", "TFLOPS", gpu, {681}, true, "burn", {{"type", "bf16"}}),
      MakeMeasurement("gpu_stress", "gpu.stress.tflops", "TFLOPS", gpu, {60}, true, "burn", {{"type", "fp64"}})};
  std::string html = RenderHtml(BuildReport(r));
  EXPECT_NE(html.find(">bf16</text>"), std::string::npos) << html;
  EXPECT_NE(html.find(">fp64</text>"), std::string::npos) << html;
  EXPECT_EQ(html.find(">{type=fp64}</text>"), std::string::npos) << "a row named by its label set";
}

TEST(RenderMarkdown, ListsFailingSubjectsAndMeasurements) {
  std::string md = RenderMarkdown(SampleReport());
  EXPECT_NE(md.find("**NOT ACCEPTED: failures"), std::string::npos) << md;
  EXPECT_NE(md.find("| fail | host_stream |"), std::string::npos) << md;
  EXPECT_NE(md.find("mpi.allreduce.busbw{size=64MiB}"), std::string::npos);
}

TEST(Render, UnknownFormatIsBadInput) { EXPECT_THROW(Render(SampleReport(), "pdf"), InputError); }

}  // namespace
}  // namespace kiln

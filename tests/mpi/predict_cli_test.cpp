// `kiln predict` through the binary: the exit codes of design.md (0 done, 2 bad usage or input, 3 could not
// write) with messages that name the file and line, the empty fleet, and node names made to attack a terminal or
// a browser.

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "core/files.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

using testing::RunKiln;

constexpr const char* kGoodLine =
    R"({"t": 1767225600, "node": "gn01", "metric": "DCGM_FI_DEV_GPU_TEMP", "labels": {"gpu": "0"}, "value": 40})";

// Two GSP errors on gpu 0 of `node` an hour apart (XIDs 119 and 120), and the gauge read again an hour later: the
// `xid` rule (two hardware XIDs within 48 h) alerts at that next evaluation.
std::string GspXids(const std::string& node_json) {
  std::string lines;
  for (auto [t, xid] : {std::pair{1767225600, 119}, {1767229200, 120}, {1767232800, 120}}) {
    lines += R"({"t": )" + std::to_string(t) + R"(, "node": )" + node_json +
             R"(, "metric": "DCGM_FI_DEV_XID_ERRORS", "labels": {"gpu": "0"}, "value": )" + std::to_string(xid) + "}\n";
  }
  return lines;
}

TEST(PredictCli, GoodReplayExitsZeroAndWritesItsFiles) {
  testing::TempDir dir;
  std::string replay = dir.Write("samples.jsonl", GspXids(R"("gn01")"));
  std::string out = (dir.path() / "out").string();
  auto r = RunKiln({"predict", "--replay", replay, "--out", out});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* file : {"alerts.jsonl", "predict.txt", "predict.html"}) {
    EXPECT_TRUE(std::filesystem::exists(out + "/" + file)) << file;
  }
  EXPECT_NE(ReadFile(out + "/alerts.jsonl").find(R"("rule":"xid")"), std::string::npos);
}

TEST(PredictCli, BadSampleLineExitsTwoNamingFileLineAndField) {
  testing::TempDir dir;
  std::string replay = dir.Write("samples.jsonl", std::string(kGoodLine) + "\n" +
                                                      R"({"t": "soon", "node": "gn01", "metric": "DCGM_FI_DEV_GPU_TEMP", "value": 1})" "\n");
  std::string out = (dir.path() / "out").string();
  auto r = RunKiln({"predict", "--replay", replay, "--out", out});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(replay + ":2: \"t\" must be a number"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(out)) << "nothing written on bad input";
}

TEST(PredictCli, LineThatIsNotJsonExitsTwoNamingItsLine) {
  testing::TempDir dir;
  std::string replay = dir.Write("samples.jsonl", std::string(kGoodLine) + "\n\n" + kGoodLine + "\n{\"t\": 1,\n");
  auto r = RunKiln({"predict", "--replay", replay, "--out", (dir.path() / "out").string()});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(replay + ":4: not a JSON object"), std::string::npos) << r.output;
}

TEST(PredictCli, BadLabelsLineExitsTwoNamingTheLabelsFileAndLine) {
  testing::TempDir dir;
  std::string replay = dir.Write("samples.jsonl", GspXids(R"("gn01")"));
  std::string labels = dir.Write("failures.jsonl", R"({"t": 1767300000, "node": "gn01", "kind": "gpu"})" "\n"
                                                   R"({"t": 1767300000, "kind": "gpu"})" "\n");
  std::string out = (dir.path() / "out").string();
  auto r = RunKiln({"predict", "--replay", replay, "--labels", labels, "--out", out});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(labels + ":2:"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(out));
}

TEST(PredictCli, MissingReplayOrLabelsExitsTwoNamingTheFile) {
  testing::TempDir dir;
  std::string missing = (dir.path() / "no-such.jsonl").string();
  auto r = RunKiln({"predict", "--replay", missing, "--out", (dir.path() / "out").string()});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(missing + ": cannot open the replay"), std::string::npos) << r.output;
  std::string replay = dir.Write("samples.jsonl", GspXids(R"("gn01")"));
  r = RunKiln({"predict", "--replay", replay, "--labels", missing, "--out", (dir.path() / "out").string()});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(missing + ": cannot open the labels"), std::string::npos) << r.output;
}

TEST(PredictCli, EmptyFleetExitsTwoRatherThanSayingAllIsWell) {
  testing::TempDir dir;
  std::string out = (dir.path() / "out").string();
  for (const std::string& content :
       {std::string(), std::string("\n\n"),
        std::string(R"({"t": 1767225600, "node": "gn01", "metric": "DCGM_FI_DEV_SM_CLOCK", "value": 1980})" "\n")}) {
    std::string replay = dir.Write("samples.jsonl", content);
    auto r = RunKiln({"predict", "--replay", replay, "--out", out});
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find(replay + ": no sample of a metric kiln predict reads"), std::string::npos) << r.output;
    EXPECT_FALSE(std::filesystem::exists(out));
  }
}

TEST(PredictCli, BadUsageExitsTwo) {
  testing::TempDir dir;
  std::string replay = dir.Write("samples.jsonl", GspXids(R"("gn01")"));
  EXPECT_EQ(RunKiln({"predict", "--out", (dir.path() / "out").string()}).exit_code, 2);
  EXPECT_EQ(RunKiln({"predict", "--replay", replay}).exit_code, 2);
  auto r = RunKiln({"predict", "--replay", replay, "--out", ""});
  EXPECT_EQ(r.exit_code, 2) << r.output;
}

TEST(PredictCli, OutputThatCannotBeWrittenExitsThree) {
  testing::TempDir dir;
  std::string replay = dir.Write("samples.jsonl", GspXids(R"("gn01")"));
  std::string file = dir.Write("a-file", "not a folder");
  auto r = RunKiln({"predict", "--replay", replay, "--out", file + "/out"});
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find(file), std::string::npos) << r.output;
}

TEST(PredictCli, HostileNodeNamesReachNoTerminalOrBrowserUnescaped) {
  testing::TempDir dir;
  // A terminal escape (clear screen) and markup that would run in a browser, as node names.
  std::string replay = dir.Write("samples.jsonl", GspXids(R"("gn\u001b[2J")") +
                                                      GspXids(R"("<img src=x onerror=alert(1)>")"));
  std::string out = (dir.path() / "out").string();
  auto r = RunKiln({"predict", "--replay", replay, "--out", out});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find('\x1b'), std::string::npos) << r.output;
  std::string html = ReadFile(out + "/predict.html");
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_NE(html.find("&lt;img src=x"), std::string::npos);
  EXPECT_EQ(html.find('\x1b'), std::string::npos);
  EXPECT_EQ(ReadFile(out + "/predict.txt").find('\x1b'), std::string::npos);
  // alerts.jsonl keeps the names exactly, as JSON escapes them.
  int alerts = 0;
  bool escape_node = false;
  std::string text = ReadFile(out + "/alerts.jsonl");
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  for (std::size_t at = 0, end; (end = text.find('\n', at)) != std::string::npos; at = end + 1) {
    auto alert = nlohmann::json::parse(text.substr(at, end - at));
    escape_node |= alert["node"] == "gn\x1b[2J";
    ++alerts;
  }
  EXPECT_EQ(alerts, 2);
  EXPECT_TRUE(escape_node);
}

}  // namespace
}  // namespace kiln

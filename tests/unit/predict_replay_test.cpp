// The replay reader: fields, labels, unknown metrics, line order, and errors that name the file and line.

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "core/errors.hpp"
#include "predict/replay.hpp"

namespace kiln::predict {
namespace {

std::string Line(long t, const std::string& node, const std::string& metric, const std::string& labels, double v) {
  return "{\"t\": " + std::to_string(t) + ", \"node\": \"" + node + "\", \"metric\": \"" + metric +
         "\", \"labels\": " + labels + ", \"value\": " + std::to_string(v) + "}";
}

Replay Read(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  std::istringstream in(text);
  Replay replay;
  replay.AddStream(in, "samples.jsonl");
  replay.Sort();
  return replay;
}

std::string ErrorOf(const std::vector<std::string>& lines) {
  try {
    Read(lines);
  } catch (const InputError& e) {
    EXPECT_EQ(e.exit_code(), kExitBadInput);
    return e.what();
  }
  return "no error";
}

TEST(PredictReplay, ReadsSamplesAndKeepsOnlyTheLabelsThatNameTheDevice) {
  Replay replay = Read({
      R"({"t": 1767225600.7, "node": "gn1", "metric": "DCGM_FI_DEV_ECC_SBE_VOL_TOTAL", "labels": {"gpu": "3", "UUID": "GPU-x", "modelName": "H100"}, "value": 12})",
      R"({"t": 1767225660, "node": "gn1", "metric": "node_infiniband_symbol_error_total", "labels": {"port": "1", "device": "mlx5_0"}, "value": "7"})",
  });
  ASSERT_EQ(replay.samples().size(), 2u);
  EXPECT_EQ(replay.samples()[0].t, 1767225600);  // floored to whole seconds
  EXPECT_EQ(replay.samples()[0].value, 12);
  const SeriesKey& gpu = replay.series()[replay.samples()[0].series];
  EXPECT_EQ(gpu.node, "gn1");
  EXPECT_EQ(gpu.device, "gpu=3");
  EXPECT_EQ(gpu.signal, Signal::kEccCorrectable);
  const SeriesKey& port = replay.series()[replay.samples()[1].series];
  EXPECT_EQ(port.device, "device=mlx5_0,port=1");  // sorted, whatever the order in the line
  EXPECT_EQ(replay.samples()[1].value, 7);         // Prometheus gives values as strings
}

TEST(PredictReplay, IgnoresUnknownMetricsBlankLinesAndNaN) {
  Replay replay = Read({
      Line(100, "gn1", "DCGM_FI_DEV_SM_CLOCK", R"({"gpu": "0"})", 1980),
      "",
      R"({"t": 100, "node": "gn1", "metric": "DCGM_FI_DEV_GPU_TEMP", "labels": {"gpu": "0"}, "value": "NaN"})",
      Line(100, "gn1", "DCGM_FI_DEV_GPU_TEMP", R"({"gpu": "0"})", 40),
  });
  EXPECT_EQ(replay.samples().size(), 1u);
  EXPECT_EQ(replay.lines_ignored(), 2);
  EXPECT_EQ(replay.series().size(), 1u);
}

TEST(PredictReplay, TheOrderOfTheLinesDoesNotMatter) {
  std::vector<std::string> lines = {
      Line(300, "gn2", "DCGM_FI_DEV_GPU_TEMP", R"({"gpu": "0"})", 41),
      Line(100, "gn1", "DCGM_FI_DEV_GPU_TEMP", R"({"gpu": "1"})", 42),
      Line(100, "gn1", "DCGM_FI_DEV_GPU_TEMP", R"({"gpu": "0"})", 43),
      Line(200, "gn2", "DCGM_FI_DEV_PCIE_REPLAY_COUNTER", R"({"gpu": "0"})", 5),
      Line(100, "gn0", "node_infiniband_link_downed_total", R"({"device": "mlx5_1", "port": "1"})", 1),
  };
  auto flatten = [](const Replay& replay) {
    std::vector<std::string> out;
    for (const Sample& s : replay.samples()) {
      const SeriesKey& key = replay.series()[s.series];
      out.push_back(std::to_string(s.t) + key.node + key.metric + key.device + std::to_string(s.value));
    }
    return out;
  };
  std::vector<std::string> first = flatten(Read(lines));
  std::reverse(lines.begin(), lines.end());
  EXPECT_EQ(flatten(Read(lines)), first);
  std::rotate(lines.begin(), lines.begin() + 2, lines.end());
  EXPECT_EQ(flatten(Read(lines)), first);
  EXPECT_EQ(first.front().substr(0, 6), "100gn0");  // time first, then the series' name
}

TEST(PredictReplay, BadLinesNameTheFileAndLine) {
  std::string good = Line(100, "gn1", "DCGM_FI_DEV_GPU_TEMP", "{}", 40);
  EXPECT_EQ(ErrorOf({good, "{not json"}), "samples.jsonl:2: not a JSON object");
  EXPECT_NE(ErrorOf({R"({"t": 1, "metric": "DCGM_FI_DEV_GPU_TEMP", "value": 1})"}).find("samples.jsonl:1: "),
            std::string::npos);
  EXPECT_NE(ErrorOf({R"({"t": 1, "metric": "DCGM_FI_DEV_GPU_TEMP", "value": 1})"}).find("\"node\""), std::string::npos);
  EXPECT_NE(ErrorOf({good, good, R"({"t": "soon", "node": "a", "metric": "DCGM_FI_DEV_GPU_TEMP", "value": 1})"})
                .find("samples.jsonl:3: \"t\" must be a number"),
            std::string::npos);
  EXPECT_NE(ErrorOf({R"({"t": 1, "node": "a", "metric": "DCGM_FI_DEV_GPU_TEMP", "value": [1]})"}).find("\"value\""),
            std::string::npos);
  EXPECT_NE(ErrorOf({R"({"t": 1, "node": "a", "metric": "DCGM_FI_DEV_GPU_TEMP"})"}).find("needs \"value\""),
            std::string::npos);
  EXPECT_NE(ErrorOf({R"({"t": 1, "node": "a", "metric": "DCGM_FI_DEV_GPU_TEMP", "labels": 3, "value": 1})"})
                .find("\"labels\" must be an object"),
            std::string::npos);
}

TEST(PredictReplay, AMissingFileIsBadInputNamingIt) {
  try {
    ReadReplay("/nonexistent/samples.jsonl");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/samples.jsonl"), std::string::npos);
  }
}

}  // namespace
}  // namespace kiln::predict

// The scoring rule of issue 27 on a hand-computed case, and the labels file's errors.

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "core/errors.hpp"
#include "predict/scoring.hpp"

namespace kiln::predict {
namespace {

constexpr std::int64_t kHour = 3600, kDay = 86400;

Alert At(std::int64_t t, const std::string& node) {
  Alert alert;
  alert.t = t;
  alert.node = node;
  return alert;
}

TEST(PredictScoring, EpisodesPrecisionRecallAndLeadByHand) {
  std::int64_t f = 100 * kDay;
  std::vector<Failure> failures = {
      {f, "a", "gpu", true},              // caught: alerts 48 h and 30 h before (one episode), lead 48 h
      {f, "b", "ib", true},               // alert 30 min before: too late to count (< 1 h), but the episode is right
      {f, "c", "other", false},           // no precursor: not caught, not in the main recall
      {f + 20 * kDay, "d", "gpu", true},  // alert 8 days before: too early; its episode is wrong (f > last + 7 d)
  };
  std::vector<Alert> alerts = {
      At(f - 48 * kHour, "a"), At(f - 30 * kHour, "a"),  // 18 h apart: one episode
      At(f + 10 * kDay, "a"),                            // a second episode of a, no failure after it: wrong
      At(f - kHour / 2, "b"),  At(f + 12 * kDay, "d"),
  };
  Score score = ScoreAlerts(alerts, failures);
  ASSERT_EQ(score.episodes.size(), 4u);
  EXPECT_EQ(score.right_episodes, 2);  // a's first, b's
  EXPECT_DOUBLE_EQ(score.precision(), 0.5);
  EXPECT_EQ(score.predictable, 3);
  EXPECT_EQ(score.caught, 1);
  EXPECT_DOUBLE_EQ(score.recall(), 1.0 / 3);
  EXPECT_DOUBLE_EQ(score.recall_all(), 0.25);
  EXPECT_DOUBLE_EQ(score.median_lead_hours(), 48);
  EXPECT_EQ(score.missed.size(), 2u);  // b and d
  nlohmann::json json = ScoreToJson(score);
  EXPECT_EQ(json["episodes_right"], 2);
  EXPECT_DOUBLE_EQ(json["precision"].get<double>(), 0.5);
}

TEST(PredictScoring, NoAlertsMeansNoPrecisionRatherThanAPerfectOne) {
  Score score = ScoreAlerts({}, {{kDay, "a", "gpu", true}});
  EXPECT_TRUE(std::isnan(score.precision()));
  EXPECT_TRUE(ScoreToJson(score)["precision"].is_null());
  EXPECT_DOUBLE_EQ(score.recall(), 0);
}

TEST(PredictScoring, ReadsLabelsAndNamesTheBadLine) {
  std::istringstream good(R"({"t": 100, "node": "a", "kind": "gpu"}
{"t": 200.5, "node": "b", "kind": "ib", "precursor": false}
)");
  std::vector<Failure> failures = ReadFailures(good, "labels.jsonl");
  ASSERT_EQ(failures.size(), 2u);
  EXPECT_TRUE(failures[0].precursor);  // unless the labels say otherwise
  EXPECT_FALSE(failures[1].precursor);
  EXPECT_EQ(failures[1].t, 200);
  std::istringstream bad("{\"t\": 1, \"node\": \"a\"}\n{\"node\": \"a\"}\n");
  try {
    ReadFailures(bad, "labels.jsonl");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "labels.jsonl:2: a failure needs a number \"t\"");
  }
}

}  // namespace
}  // namespace kiln::predict

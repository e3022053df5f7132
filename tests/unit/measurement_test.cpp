#include "core/measurement.hpp"

#include <gtest/gtest.h>

#include "core/verdict.hpp"

namespace kiln {
namespace {

TEST(Measurement, RoundTripsThroughJson) {
  Measurement m = MakeMeasurement("mpi_link", "mpi.link.bandwidth", "GB/s", Subject::Pair("a", "b"), {1, 2, 3},
                                  true, "3 samples", {{"size", "4MiB"}});
  nlohmann::json j = m;
  Measurement back = j.get<Measurement>();
  EXPECT_EQ(back.metric, "mpi.link.bandwidth");
  EXPECT_EQ(back.subject, Subject::Pair("a", "b"));
  EXPECT_EQ(back.labels.at("size"), "4MiB");
  EXPECT_DOUBLE_EQ(back.value(), 2);
  EXPECT_EQ(back.SeriesKey(), "mpi.link.bandwidth{size=4MiB}");
  EXPECT_EQ(j["summary"]["median"], 2);
}

TEST(Subject, KeysNameWhatTheNumberIsAbout) {
  EXPECT_EQ(Subject::Node("n1").Key(), "n1");
  EXPECT_EQ(Subject::Device("n1", "gpu0").Key(), "n1/gpu0");
  EXPECT_EQ(Subject::Pair("n1", "n2").Key(), "n1<->n2");
  EXPECT_EQ(Subject::Group({"n1", "n2"}).Key(), "group(2):n1,n2");
}

TEST(Verdict, RoundTripsAndOrdersOutcomesBySeverity) {
  Verdict v{"p", "m", "m", Subject::Node("n"), Outcome::kFail, "too slow", "min 1", "spec", 0.5, 1.0, "", std::nullopt, Outcome::kFail};
  nlohmann::json j = v;
  Verdict back = j.get<Verdict>();
  EXPECT_EQ(back.outcome, Outcome::kFail);
  EXPECT_EQ(back.value, 0.5);
  EXPECT_EQ(back.threshold, 1.0);
  EXPECT_EQ(Worst(Outcome::kWarn, Outcome::kSkipped), Outcome::kWarn);
  EXPECT_EQ(Worst(Outcome::kFail, Outcome::kError), Outcome::kError);
  EXPECT_FALSE(IsFailure(Outcome::kWarn));
  EXPECT_TRUE(IsFailure(Outcome::kError));
}

}  // namespace
}  // namespace kiln

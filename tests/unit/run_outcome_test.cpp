// The run outcome's one spelling (reports/run_outcome): the strings reports have always carried.
#include "reports/run_outcome.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace kiln {
namespace {

TEST(RunOutcome, EachIsSpelledAsReportsHaveAlwaysSpelledItAndReadBack) {
  const std::pair<RunOutcome, const char*> spelled[] = {
      {RunOutcome::kPass, "pass"},   {RunOutcome::kPartial, "partial"},           {RunOutcome::kFail, "fail"},
      {RunOutcome::kError, "error"}, {RunOutcome::kInconclusive, "inconclusive"}, {RunOutcome::kSkipped, "skipped"}};
  for (const auto& [outcome, text] : spelled) {
    EXPECT_EQ(ToString(outcome), text);
    EXPECT_EQ(RunOutcomeFromString(text), outcome) << text;
    EXPECT_EQ(nlohmann::json(outcome), nlohmann::json(text));
    EXPECT_EQ(nlohmann::json(text).get<RunOutcome>(), outcome) << text;
  }
}

TEST(RunOutcome, AnUnknownOneIsRefusedNamingIt) {
  for (const char* text : {"warn", "PASS", "", "accepted"}) {
    try {
      RunOutcomeFromString(text);
      ADD_FAILURE() << "'" << text << "' was read as a run outcome";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("unknown run outcome '") + text + "'"), std::string::npos)
          << e.what();
    }
  }
  EXPECT_THROW(nlohmann::json("bogus").get<RunOutcome>(), std::invalid_argument);
  EXPECT_THROW(nlohmann::json(1).get<RunOutcome>(), nlohmann::json::type_error);
}

}  // namespace
}  // namespace kiln

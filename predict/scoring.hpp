#pragma once
// The scoring rule of issue 27, exactly: alerts of one node at most 24 h apart form an episode; an episode is right
// when its node fails within [first alert, last alert + 7 days]; precision = right episodes / episodes. A failure is
// caught when an alert of its node falls in [failure - 7 days, failure - 1 h]; lead = failure - the earliest such
// alert. Recall over the failures that had precursors, and over all.

#include <cstdint>
#include <istream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "predict/alert.hpp"

namespace kiln::predict {

struct Failure {
  std::int64_t t = 0;
  std::string node;
  std::string kind;       // gpu | ib | other
  bool precursor = true;  // false when the labels say it came without warning ("precursor": false)
};

// Labels file: JSON Lines {"t", "node", "kind"[, "precursor"]}. Throws InputError naming file and line.
std::vector<Failure> ReadFailures(std::istream& in, const std::string& file);

struct Episode {
  std::string node;
  std::int64_t first = 0, last = 0;
  int alerts = 0;
  bool right = false;
};

struct Score {
  std::vector<Episode> episodes;
  int right_episodes = 0;
  int failures = 0, predictable = 0;
  int caught = 0, caught_predictable = 0;
  std::vector<double> lead_hours;   // of each caught failure
  std::vector<std::string> missed;  // "node at t (kind)" of predictable failures not caught

  double precision() const;  // NaN without episodes
  double recall() const;     // over predictable failures; NaN without any
  double recall_all() const;
  double median_lead_hours() const;  // NaN when nothing was caught
};

Score ScoreAlerts(const std::vector<Alert>& alerts, const std::vector<Failure>& failures);
// {"precision", "recall", "recall_all", "median_lead_hours", counts ..., "episodes": [...]}
nlohmann::json ScoreToJson(const Score& score);

}  // namespace kiln::predict

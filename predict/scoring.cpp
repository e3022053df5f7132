#include "predict/scoring.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "core/errors.hpp"

namespace kiln::predict {
namespace {

using nlohmann::json;
constexpr std::int64_t kEpisodeGap = 24 * 3600;
constexpr std::int64_t kHorizon = 7 * 24 * 3600;
constexpr std::int64_t kMinimumLead = 3600;

double Ratio(int a, int b) { return b == 0 ? std::numeric_limits<double>::quiet_NaN() : double(a) / b; }

json NumberOrNull(double x) { return std::isnan(x) ? json(nullptr) : json(x); }

}  // namespace

std::vector<Failure> ReadFailures(std::istream& in, const std::string& file) {
  std::vector<Failure> failures;
  std::string line;
  int line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    json label = json::parse(line, nullptr, false);
    if (label.is_discarded() || !label.is_object()) throw InputError(file, line_number, "not a JSON object");
    if (!label.contains("t") || !label["t"].is_number())
      throw InputError(file, line_number, "a failure needs a number \"t\"");
    if (!label.contains("node") || !label["node"].is_string()) {
      throw InputError(file, line_number, "a failure needs a string \"node\"");
    }
    Failure failure;
    failure.t = static_cast<std::int64_t>(std::floor(label["t"].get<double>()));
    failure.node = label["node"].get<std::string>();
    failure.kind = label.contains("kind") && label["kind"].is_string() ? label["kind"].get<std::string>() : "other";
    if (label.contains("precursor")) {
      if (!label["precursor"].is_boolean()) throw InputError(file, line_number, "\"precursor\" must be true or false");
      failure.precursor = label["precursor"].get<bool>();
    }
    failures.push_back(std::move(failure));
  }
  return failures;
}

double Score::precision() const { return Ratio(right_episodes, static_cast<int>(episodes.size())); }
double Score::recall() const { return Ratio(caught_predictable, predictable); }
double Score::recall_all() const { return Ratio(caught, failures); }
double Score::median_lead_hours() const {
  if (lead_hours.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::vector<double> sorted = lead_hours;
  std::sort(sorted.begin(), sorted.end());
  std::size_t n = sorted.size();
  return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

Score ScoreAlerts(const std::vector<Alert>& alerts, const std::vector<Failure>& failures) {
  std::map<std::string, std::vector<std::int64_t>> alert_times, failure_times;
  for (const Alert& alert : alerts) alert_times[alert.node].push_back(alert.t);
  for (const Failure& failure : failures) failure_times[failure.node].push_back(failure.t);
  Score score;
  for (auto& [node, times] : alert_times) {
    std::sort(times.begin(), times.end());
    for (std::size_t i = 0; i < times.size(); ++i) {
      if (i == 0 || times[i] - times[i - 1] > kEpisodeGap) score.episodes.push_back({node, times[i], times[i], 0});
      score.episodes.back().last = times[i];
      ++score.episodes.back().alerts;
    }
  }
  for (Episode& episode : score.episodes) {
    for (std::int64_t f : failure_times[episode.node]) {
      if (f >= episode.first && f <= episode.last + kHorizon) episode.right = true;
    }
    score.right_episodes += episode.right;
  }
  for (const Failure& failure : failures) {
    ++score.failures;
    score.predictable += failure.precursor;
    std::int64_t earliest = std::numeric_limits<std::int64_t>::max();
    for (std::int64_t a : alert_times[failure.node]) {
      if (a >= failure.t - kHorizon && a <= failure.t - kMinimumLead) earliest = std::min(earliest, a);
    }
    if (earliest == std::numeric_limits<std::int64_t>::max()) {
      if (failure.precursor)
        score.missed.push_back(fmt::format("{} at {} ({})", failure.node, failure.t, failure.kind));
      continue;
    }
    ++score.caught;
    score.caught_predictable += failure.precursor;
    score.lead_hours.push_back(static_cast<double>(failure.t - earliest) / 3600.0);
  }
  return score;
}

json ScoreToJson(const Score& score) {
  json episodes = json::array();
  for (const Episode& e : score.episodes) {
    episodes.push_back(
        {{"node", e.node}, {"first", e.first}, {"last", e.last}, {"alerts", e.alerts}, {"right", e.right}});
  }
  return {{"schema", "kiln.predict-score/1"},
          {"precision", NumberOrNull(score.precision())},
          {"recall", NumberOrNull(score.recall())},
          {"recall_all", NumberOrNull(score.recall_all())},
          {"median_lead_hours", NumberOrNull(score.median_lead_hours())},
          {"episodes_total", score.episodes.size()},
          {"episodes_right", score.right_episodes},
          {"failures", score.failures},
          {"failures_with_precursors", score.predictable},
          {"caught", score.caught},
          {"caught_with_precursors", score.caught_predictable},
          {"lead_hours", score.lead_hours},
          {"missed", score.missed},
          {"episodes", episodes}};
}

}  // namespace kiln::predict

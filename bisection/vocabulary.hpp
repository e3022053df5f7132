#pragma once
// The bisection's vocabulary: what the planner asks (a trial: who runs together), what an executor answers (a
// trial's result), and what the planner concludes (findings, the record of each round). The planner
// (bisection/planner.hpp), the executors (bisection/launcher.hpp, bisection/simulation.hpp) and the report
// (bisection/report.hpp) all speak it; its one JSON form is here too (TrialJson, TrialResultFromJson).

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kiln {

class NodeNames;

enum class TrialKind { kNode, kPair, kGroup };
std::string_view ToString(TrialKind kind);

struct Trial {
  TrialKind kind = TrialKind::kGroup;
  std::vector<int> members;  // node indices: the ones under test first, then cleared padding
  int under_test = 0;        // how many of `members` the result speaks about
};

enum class TrialOutcome { kPass, kFail, kHang, kCrash, kSkipped };
std::string_view ToString(TrialOutcome outcome);
inline bool IsBad(TrialOutcome o) { return o == TrialOutcome::kFail || o == TrialOutcome::kHang || o == TrialOutcome::kCrash; }

struct TrialResult {
  TrialOutcome outcome = TrialOutcome::kPass;
  std::optional<double> value;  // the judged metric, when one was measured
  std::string metric;
  std::string unit;
  std::string reason;
  double seconds = 0;
};

class TrialExecutor {
 public:
  virtual ~TrialExecutor() = default;
  // Runs the trials at the same time (their members are disjoint); one result per trial, in order.
  virtual std::vector<TrialResult> RunRound(const std::vector<Trial>& trials) = 0;
};

enum class FindingKind { kNode, kLink, kUnresolved, kSwitch, kUplink };
std::string_view ToString(FindingKind kind);

struct Finding {
  FindingKind kind = FindingKind::kNode;
  std::vector<int> members;
  std::string stage;
  std::string reason;
  std::vector<int> rounds;  // the rounds whose results are the evidence
  int switch_index = -1;    // kSwitch, kUplink: the leaf (members: the nodes under it, affected, not accused)
};

struct RoundRecord {
  int index = 0;
  std::string stage;  // node | pair | repair | confirm | link | retest | cover | recheck | search | group | split
                      // | narrow | cross | control | final | leaf
  std::vector<Trial> trials;
  std::vector<TrialResult> results;
  std::string conclusion;
};

// ---- the one JSON form ----
// A trial and its result: {"kind", "nodes" (under test), "padding", "outcome", "metric", "value" (null when none
// was measured), "unit", "reason", "seconds"}; nodes by name (a hostlist where the notation carries them).
nlohmann::json TrialJson(const Trial& trial, const TrialResult& result, const NodeNames& names);
// The result's part of that form: {"outcome", "metric", "value", "unit", "reason", "seconds"}.
nlohmann::json TrialResultJson(const TrialResult& result);
// Reads the result's part back; throws InputError naming the field for an unknown outcome or a wrong type.
TrialResult TrialResultFromJson(const nlohmann::json& json);
// "pass", "fail", ... back to the enum; nullopt for any other text.
std::optional<TrialOutcome> ParseTrialOutcome(std::string_view text);
std::optional<TrialKind> ParseTrialKind(std::string_view text);

}  // namespace kiln

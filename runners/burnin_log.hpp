#pragma once
// A burn-in's memory across iterations and restarts, on rank 0: OUT/burnin/settings.json (written once) and
// OUT/burnin/iterations.jsonl (one line per finished iteration, appended and synced before the next one
// starts). Resuming reads them back. What stays in memory (failures per node and subject, running
// statistics per series) does not grow with the number of iterations.

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

#include "core/measurement.hpp"
#include "core/verdict.hpp"

namespace kiln {

struct BurnInSettings {
  std::string run_id;
  std::string started;
  std::string suite_sha256;
  std::string baseline_sha256;
  double duration_s = 0;
  std::vector<std::string> nodes;  // the nodes it runs on: a resume on another set is refused
};

// The longest burn-in Kiln runs: a year (1e308 seconds would never end).
inline constexpr double kMaxBurnInSeconds = 366.0 * 86400;

// Running mean and spread (Welford): constant memory however many values arrive.
struct RunningStats {
  long count = 0;
  double mean = 0, m2 = 0, min = 0, max = 0, first = 0, last = 0;
  void Add(double value);
  double Stddev() const;
};

class BurnInLog {
 public:
  // Fresh: refuses a folder that already holds a burn-in (InputError: resume it or pick another --out).
  // Resume: refuses a folder without one, or one made with another suite, baseline or node set (naming the nodes
  // added and missing). `duration_s` > 0 replaces the stored duration on resume. Never follows a link at
  // OUT/burnin or in it. A checkpoint that is not what Kiln writes (a missing or wrong field, a line of another
  // burn-in, an elapsed time its own timestamps cannot hold) is InputError naming file and line.
  static BurnInLog Open(const std::string& out_dir, const BurnInSettings& settings, bool resume);

  const BurnInSettings& settings() const { return settings_; }
  int iterations() const { return iterations_; }
  double elapsed_s() const { return elapsed_s_; }
  int resumed_times() const { return resumes_; }

  // Records a finished iteration (number iterations() + 1) whose burn-in time ends at `elapsed_s`.
  void Append(double elapsed_s, const std::vector<Verdict>& verdicts, const std::vector<Measurement>& measurements);

  // "node3: 2, node7: 1" (iterations each node failed), or "none".
  std::string FailuresPerNode() const;
  // One verdict per subject that failed or erred in any iteration: how often, first and last.
  std::vector<Verdict> Verdicts() const;
  // The report's "burnin" section; `interruption` is empty unless the run was stopped early.
  nlohmann::json Section(const std::string& interruption) const;

 private:
  struct SubjectRecord {
    Verdict first;
    Outcome worst = Outcome::kPass;
    int count = 0;
    int first_iteration = 0, last_iteration = 0;
  };
  void Absorb(const nlohmann::json& line);  // updates the aggregates from one iteration line
  void ReadJournal();                       // resume: every finished iteration back into the aggregates
  // Throws InputError(journal, line_number) unless `line` is the next iteration of this burn-in.
  void CheckLine(const nlohmann::json& line, int line_number, double& previous_finished) const;

  std::string dir_;
  BurnInSettings settings_;
  int iterations_ = 0;
  double elapsed_s_ = 0;
  int resumes_ = 0;
  std::map<std::string, int> node_failures_;
  std::map<std::string, SubjectRecord> subjects_;  // key: probe|series|subject
  std::map<std::string, RunningStats> series_;     // key: series@subject
  std::map<std::string, std::string> units_;
};

}  // namespace kiln

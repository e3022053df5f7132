#include "runners/run_recorder.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "reports/record_judgement.hpp"
#include "reports/report.hpp"

namespace kiln {

RunRecorder::RunRecorder(const Suite& suite, const BaselineChoice& baseline, const ProbeRegistry& registry,
                         const RunOptions& options, const JobTopology& topology, const RunProgress& progress)
    : suite_(suite), baseline_(baseline), registry_(registry), options_(options), topology_(topology),
      progress_(progress) {}

void RunRecorder::Open(int ranks) {
  out_claim_ = ClaimOutFolder(options_.out_dir, options_.force, options_.resume);
  if (!out_claim_.aside.empty()) {
    progress_.Say(fmt::format("--force: the earlier run's files are now in {}", out_claim_.aside));
  }
  MakeDirectories(options_.out_dir + "/journal");
  std::error_code link_error;
  if (std::filesystem::is_symlink(options_.out_dir + "/journal", link_error)) {
    throw RunError(fmt::format("'{}/journal' is a symbolic link: Kiln writes only inside --out", options_.out_dir));
  }
  BeginRecord(ranks);
  for (const std::string& warning : PlanSuite(suite_).warnings) progress_.Say(fmt::format("warning: {}", warning));
  if (options_.duration_s > 0 || options_.resume) {
    BurnInSettings settings{record_.run_id, record_.started, suite_.sha256, baseline_.Identity(),
                            options_.duration_s, {}};
    for (const NodeRecord& node : record_.nodes) settings.nodes.push_back(node.name);  // resumed on these only
    burnin_ = BurnInLog::Open(options_.out_dir, settings, options_.resume);
    if (options_.resume) {
      record_.run_id = burnin_->settings().run_id;  // one burn-in, one id, however many restarts
      record_.started = burnin_->settings().started;
    }
  }
}

void RunRecorder::BeginRecord(int ranks) {
  record_ = StartRecord();
  record_.launcher = options_.launcher;
  record_.ranks = ranks;
  record_.rank_as_node = options_.rank_as_node;
  record_.cluster = options_.cluster.empty() ? topology_.nodes.front() : options_.cluster;
  record_.nodes = topology_.records;
  record_.suite_name = suite_.name;
  record_.suite_path = suite_.path;
  record_.suite_sha256 = suite_.sha256;
  record_.suite_description = suite_.description;
  for (const SuiteStep& step : suite_.steps) {
    record_.steps.push_back({step.phase, step.probe->Name(), step.where, step.timeout.count(),
                             step.params.Text(), {}, step.optional});
  }
}

void RunRecorder::Accept(std::size_t step, const RankReport& report) {
  record_.steps[step].results.push_back(report.result);
  for (const Measurement& m : report.measurements) record_.measurements.push_back(m);
  if (!report.inventory.is_null()) {
    for (NodeRecord& node : record_.nodes) {
      if (node.name == report.result.node) node.inventory = report.inventory;
    }
  }
  // One line per result, appended at once: survives a crash of the rest of the run. The node's name is
  // whatever its hostname says: made a safe file name, and a planted symlink is never followed.
  nlohmann::json line = report;
  line["step"] = step;
  line["phase"] = record_.steps[step].phase;
  line["probe"] = record_.steps[step].probe;
  AppendLineDurably(fmt::format("{}/journal/{}.jsonl", options_.out_dir, SafeFileName(report.result.node)),
                    line.dump(), false);
}

void RunRecorder::ClearIteration() {
  iteration_recorded_ = false;
  for (StepRecord& step : record_.steps) {
    step.results.clear();
    step.results.shrink_to_fit();
  }
  record_.measurements.clear();
  record_.measurements.shrink_to_fit();
}

bool RunRecorder::EndIteration(double iteration_s) {
  double elapsed = burnin_->elapsed_s() + iteration_s;
  burnin_->Append(elapsed, IterationVerdicts(), record_.measurements);
  iteration_recorded_ = true;
  double left = std::max(0.0, burnin_->settings().duration_s - elapsed);
  progress_.Say(fmt::format("burn-in iteration {} done: {} elapsed, {} left; failed iterations per node: {}",
                            burnin_->iterations(), FormatDuration(Seconds(elapsed)), FormatDuration(Seconds(left)),
                            burnin_->FailuresPerNode()));
  return left > 0;
}

void RunRecorder::WriteInterimReport(const SuiteStep& step) {
  std::lock_guard lock(mutex_);  // on a watch's thread, while the main thread may be gathering
  std::size_t index = static_cast<std::size_t>(&step - suite_.steps.data());
  interruption_ = fmt::format("stopped by a signal during step {}/{} ({}/{}); this report holds the steps before it",
                              index + 1, suite_.steps.size(), step.phase, step.probe->Name());
  progress_.Say(interruption_ + ": writing it now");
  try {
    HarnessResult interim;
    Finish(interim, /*chained=*/false);
  } catch (const KilnError& e) {
    progress_.Say(fmt::format("the report of the steps before the signal could not be written: {}", e.what()));
  }
}

int RunRecorder::WriteHungReport(std::size_t step, const std::vector<StepResult>& hung, std::string why) {
  interruption_ = std::move(why);
  progress_.Say(interruption_ + "; writing the report");
  try {
    for (const StepResult& result : hung) {
      RankReport report;
      report.result = result;
      Accept(step, report);
    }
    HarnessResult result;
    Finish(result);
    return options_.finish ? options_.finish(result) : result.exit_code;
  } catch (const KilnError& e) {
    progress_.Say(fmt::format("the report could not be written: {}", e.what()));
    return e.exit_code();
  }
}

void RunRecorder::Finish(HarnessResult& result, bool chained) {
  record_.finished = UtcNow();
  record_.duration_s = Seconds(std::chrono::steady_clock::now() - start_).count();
  std::vector<Verdict> verdicts = IterationVerdicts();
  if (burnin_) {
    // Failures of recorded iterations are counted once, over all iterations; those of an iteration cut
    // short are not in the log and stay as they are.
    if (iteration_recorded_) {
      std::erase_if(verdicts, [](const Verdict& v) { return IsFailure(v.outcome); });
    }
    for (Verdict& v : burnin_->Verdicts()) verdicts.push_back(std::move(v));
  }
  if (!interruption_.empty()) {
    verdicts.push_back(InterruptedVerdict(
        "run", Subject::Group(topology_.nodes),
        burnin_ ? fmt::format("{}; burn-in ran {} of {} in {} full iteration(s): resume it with --resume",
                              interruption_, FormatDuration(Seconds(burnin_->elapsed_s())),
                              FormatDuration(Seconds(burnin_->settings().duration_s)), burnin_->iterations())
                : interruption_));
  }
  record_.verdicts = std::move(verdicts);

  nlohmann::json report = BuildReport(record_);
  if (burnin_) report["burnin"] = burnin_->Section(interruption_);
  WrittenBundle written = WriteReportBundle(std::move(report), {options_.out_dir, options_.sign_key,
                                                               chained ? options_.chain_dir : std::string()});
  result.report_path = written.report_path;
  result.summary = written.summary;
  result.exit_code = written.exit_code;
}

std::vector<Verdict> RunRecorder::IterationVerdicts() {
  std::vector<Verdict> verdicts = JudgeRecord(record_, baseline_, registry_.Catalog());
  CheckHostsJoined(verdicts);
  return verdicts;
}

// Hosts named in --hosts that never joined are failures of their own: a node that could not even start.
void RunRecorder::CheckHostsJoined(std::vector<Verdict>& verdicts) const {
  for (const HostEntry& host : HostsMissing(options_.hosts, topology_.nodes)) {
    Verdict v;
    v.probe = "launch";
    v.subject = Subject::Node(host.name);
    v.outcome = Outcome::kError;
    v.reason = fmt::format("host listed in {}:{} did not join the job", options_.hosts_path, host.line);
    verdicts.push_back(std::move(v));
  }
}

}  // namespace kiln

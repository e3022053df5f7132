#include "bisection/launcher.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/step_status.hpp"
#include "core/subprocess.hpp"
#include "core/units.hpp"
#include "core/verdict.hpp"
#include "reports/html_escape.hpp"  // the same five escapes make XML attribute values safe
#include "reports/report.hpp"
#include "runners/host_answers.hpp"

namespace kiln {
namespace {

constexpr double kHostAnswerSeconds = 60;  // one host asked alone: ssh's connect, orted's or slurmstepd's start

// A suite of the trial's steps, one phase each.
std::string TrialSuite(const std::vector<TrialStep>& steps) {
  std::string xml = fmt::format("<?xml version=\"1.0\"?>\n<suite name=\"bisect-{}\" version=\"1\">\n",
                                EscapeHtml(steps.front().probe));
  for (const TrialStep& step : steps) {
    xml += fmt::format("  <phase name=\"{}\">\n    <step probe=\"{}\" timeout=\"{}s\">\n", EscapeHtml(step.phase),
                       EscapeHtml(step.probe), static_cast<long long>(step.timeout_s));
    for (const auto& [name, value] : step.params) {
      xml += fmt::format("      <param name=\"{}\" value=\"{}\"/>\n", EscapeHtml(name), EscapeHtml(value));
    }
    xml += "    </step>\n  </phase>\n";
  }
  xml += "</suite>\n";
  return xml;
}

bool AllMeasured(const nlohmann::json& report) {
  bool any = false;
  for (const auto& step : report.value("steps", nlohmann::json::array())) {
    for (const auto& r : step.value("results", nlohmann::json::array())) {
      if (r.value("status", "") != ToString(StepStatus::kMeasured)) return false;
      any = true;
    }
  }
  return any;
}

}  // namespace

LaunchingExecutor::LaunchingExecutor(LauncherOptions options) : options_(std::move(options)) {}

LaunchShape LaunchingExecutor::Shape(const std::vector<std::string>& hosts, const std::string& dir) const {
  return {dir + "/hosts", hosts.size(), options_.ranks_per_node, options_.gpu_per_rank, options_.launcher_args, hosts};
}

std::vector<std::string> LaunchingExecutor::Command(const std::vector<std::string>& hosts,
                                                    const std::string& dir) const {
  LaunchShape shape = Shape(hosts, dir);
  std::vector<std::string> argv = options_.launcher->TrialCommand(shape);
  std::vector<std::string> kiln{options_.kiln_binary, "run", "--suite", dir + "/suite.xml", "--baseline",
                                options_.baseline_path, "--out", dir, "--quiet", "--hosts", shape.hostfile,
                                "--cluster", "bisect"};
  argv.insert(argv.end(), kiln.begin(), kiln.end());
  return argv;
}

std::vector<TrialResult> LaunchingExecutor::RunRound(const std::vector<Trial>& trials) {
  int round = round_++;
  if (!options_.quiet) {
    std::size_t largest = 0;
    for (const Trial& t : trials) largest = std::max(largest, t.members.size());
    std::fprintf(stderr, "kiln: bisect round %d: %zu %s trial(s) at once, up to %zu node(s) each\n", round,
                 trials.size(), std::string(ToString(trials.front().kind)).c_str(), largest);
  }
  std::vector<TrialResult> results(trials.size());
  if (interrupted()) {
    for (TrialResult& r : results) {
      r.outcome = TrialOutcome::kSkipped;
      r.reason = "not run: the bisection was interrupted by a signal";
    }
    return results;
  }
  // A signal stops the jobs of this round at once.
  std::stop_source stop;
  std::jthread watcher([this, &stop](std::stop_token done) {
    while (!done.stop_requested() && !interrupted()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (interrupted()) stop.request_stop();
  });
  for (std::size_t start = 0; start < trials.size(); start += static_cast<std::size_t>(options_.parallel)) {
    std::size_t end = std::min(trials.size(), start + static_cast<std::size_t>(options_.parallel));
    std::vector<std::future<TrialResult>> running;
    for (std::size_t i = start; i < end; ++i) {
      std::string dir = fmt::format("{}/round{:04}/trial{:05}", options_.work_dir, round, i);
      running.push_back(std::async(std::launch::async, [this, &trials, i, dir, token = stop.get_token()] {
        return RunTrial(trials[i], dir, token);
      }));
    }
    for (std::size_t i = start; i < end; ++i) results[i] = running[i - start].get();
  }
  // The round's results on disk at once: a controller that dies later loses none of them.
  nlohmann::json saved = nlohmann::json::array();
  for (std::size_t i = 0; i < trials.size(); ++i) {
    std::vector<std::string> hosts;
    for (int node : trials[i].members) hosts.push_back(options_.hosts.at(static_cast<std::size_t>(node)));
    saved.push_back({{"kind", ToString(trials[i].kind)},
                     {"hosts", hosts},
                     {"under_test", trials[i].under_test},
                     {"outcome", ToString(results[i].outcome)},
                     {"value", results[i].value ? nlohmann::json(*results[i].value) : nlohmann::json(nullptr)},
                     {"metric", results[i].metric},
                     {"reason", results[i].reason},
                     {"seconds", results[i].seconds}});
  }
  WriteFileAtomically(fmt::format("{}/round{:04}/results.json", options_.work_dir, round), saved.dump(2) + "\n");
  return results;
}

TrialResult LaunchingExecutor::RunTrial(const Trial& trial, const std::string& dir, std::stop_token stop) const {
  auto it = options_.steps.find(trial.kind);
  if (it == options_.steps.end()) {
    throw RunError(fmt::format("bisection asked for a {} trial but no {} probe is set", ToString(trial.kind),
                               ToString(trial.kind)));
  }
  const std::vector<TrialStep>& steps = it->second;
  double timeout_s = 0;
  for (const TrialStep& step : steps) timeout_s += step.timeout_s;
  MakeDirectories(dir);
  std::vector<std::string> hosts;
  std::string hostfile;
  for (int node : trial.members) {
    hosts.push_back(options_.hosts.at(static_cast<std::size_t>(node)));
    hostfile += hosts.back() + "\n";
  }
  WriteFileAtomically(dir + "/hosts", hostfile);
  WriteFileAtomically(dir + "/suite.xml", TrialSuite(steps));
  double limit = timeout_s + options_.launch_slack_s;
  Subprocess job(Command(hosts, dir), Environment(hosts, dir));
  const double grace_s = options_.interrupt_grace_s.value_or(options_.launcher->InterruptGraceSeconds());
  job.InterruptFirst(std::chrono::duration_cast<std::chrono::milliseconds>(Seconds(grace_s)));
  ProcessResult process = job.Wait(std::chrono::steady_clock::now() +
                                       std::chrono::duration_cast<std::chrono::steady_clock::duration>(Seconds(limit)),
                                   stop);
  WriteFileAtomically(dir + "/launcher.log", process.output);
  TrialResult result;
  if (process.stopped) {
    result.outcome = TrialOutcome::kSkipped;
    result.reason = "stopped: the bisection was interrupted by a signal";
  } else if (process.timed_out) {
    result.outcome = TrialOutcome::kHang;
    result.reason = fmt::format("no result within {:.0f}s (step timeout {:.0f}s + {:.0f}s to launch): {}; see "
                                "{}/launcher.log",
                                limit, timeout_s, options_.launch_slack_s,
                                process.killed ? fmt::format("{} did not end within {:g}s of an interrupt and was "
                                                             "killed: its processes on the nodes may live on",
                                                             options_.launcher->Name(), grace_s)
                                               : fmt::format("{} was interrupted and stopped the job",
                                                             options_.launcher->Name()),
                                dir);
  } else if (!std::filesystem::exists(dir + "/report.json")) {
    result.outcome = TrialOutcome::kCrash;
    std::string silent = HostsThatDoNotAnswer(hosts);
    result.reason = fmt::format("{} ended with exit {} and no report: {}", options_.launcher->Name(), process.exit_code,
                                silent.empty() ? LastLinesOf(process.output, 2) : silent);
  } else {
    result = JudgeTrialReport(dir + "/report.json", steps.front().probe,
                              trial.kind == TrialKind::kNode ? options_.peer_metric : "");
  }
  result.seconds = process.seconds;
  return result;
}

std::string LaunchingExecutor::HostsThatDoNotAnswer(const std::vector<std::string>& hosts) const {
  std::lock_guard lock(answers_mutex_);  // trials that crash at once ask each host only once
  std::vector<HostEntry> unasked;
  for (const std::string& host : hosts) {
    if (answers_.count(host) == 0) unasked.push_back({host, 1, 0});
  }
  for (const HostAnswer& answer : AskHosts(unasked, *options_.launcher, options_.launcher_args, kHostAnswerSeconds)) {
    answers_[answer.host.name] = answer.answered ? "" : answer.why;
  }
  std::string silent;
  for (const std::string& host : hosts) {
    if (answers_.at(host).empty()) continue;
    silent += fmt::format("{}host {} does not answer alone ({}: {})", silent.empty() ? "" : "; ", host,
                          fmt::join(options_.launcher->AnswerCommand(host, options_.launcher_args), " "),
                          answers_.at(host));
  }
  return silent;
}

TrialResult JudgeTrialReport(const std::string& report_path, const std::string& probe, const std::string& peer_metric) {
  nlohmann::json report = LoadReport(report_path);
  TrialResult result;
  // A step that ran out of time inside the job is a hang, whatever else it said.
  for (const auto& step : report.value("steps", nlohmann::json::array())) {
    for (const auto& r : step.value("results", nlohmann::json::array())) {
      if (r.value("status", "") == ToString(StepStatus::kTimeout)) {
        result.outcome = TrialOutcome::kHang;
        result.reason = r.value("reason", "timeout");
        return result;
      }
    }
  }
  // The probe under bisection did not run (a group probe on one node, a GPU probe without a GPU): the trial
  // says nothing about its nodes, whatever a baseline that expected its numbers concludes.
  for (const auto& step : report.value("steps", nlohmann::json::array())) {
    if (step.value("probe", "") != probe) continue;
    const auto& results = step.value("results", nlohmann::json::array());
    bool all_skipped = !results.empty() && std::all_of(results.begin(), results.end(), [](const nlohmann::json& r) {
      return r.value("status", "") == ToString(StepStatus::kSkipped);
    });
    if (all_skipped) {
      result.outcome = TrialOutcome::kSkipped;
      result.reason = fmt::format("{} did not run: {}", probe, results.front().value("reason", "skipped"));
      return result;
    }
  }
  std::vector<Verdict> verdicts = report.at("verdicts").get<std::vector<Verdict>>();
  const RunOutcome outcome = SummarizeOutcome(verdicts).outcome;  // from the verdicts, not the file's claim
  const Verdict* worst = nullptr;
  for (const Verdict& v : verdicts) {
    if (worst == nullptr || v.outcome > worst->outcome) worst = &v;
  }
  // The value shown in the trail: the worst judged number of the probe under bisection.
  for (const Verdict& v : verdicts) {
    if (v.value && v.probe == probe && (!result.value || v.outcome > Outcome::kPass)) {
      result.value = v.value;
      result.metric = v.series.empty() ? v.metric : v.series;
      for (const auto& m : report.at("measurements")) {
        if (m.value("metric", "") == v.metric) {
          result.unit = m.value("unit", "");
          break;
        }
      }
      if (v.outcome > Outcome::kPass) break;
    }
  }
  if (!peer_metric.empty()) {
    for (const auto& m : report.at("measurements")) {
      if (m.value("metric", "") != peer_metric) continue;
      result.value = m.at("summary").at("median").get<double>();
      result.metric = peer_metric;
      result.unit = m.value("unit", "");
      break;
    }
  }
  // A partial pass judged less than an acceptance but found nothing; an inconclusive rule (a contended host)
  // accuses nobody.
  if (outcome == RunOutcome::kPass || outcome == RunOutcome::kPartial || outcome == RunOutcome::kInconclusive) {
    result.outcome = TrialOutcome::kPass;
  } else if (outcome == RunOutcome::kSkipped && AllMeasured(report)) {
    result.outcome = TrialOutcome::kPass;  // it ran and nothing in the baseline judges it: nothing against it
    result.reason = "measured; the baseline sets no rule for it";
  } else if (outcome == RunOutcome::kSkipped) {
    result.outcome = TrialOutcome::kSkipped;
    result.reason = worst ? worst->reason : "skipped";
  } else {
    result.outcome = worst && worst->probe == "launch" ? TrialOutcome::kCrash : TrialOutcome::kFail;
    if (worst) {
      result.reason = fmt::format("{} on {}: {}", worst->metric.empty() ? worst->probe : worst->series,
                                  worst->subject.Key(), worst->reason);
    }
  }
  return result;
}

}  // namespace kiln

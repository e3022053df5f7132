#include "runners/step_runner.hpp"

#include <fmt/format.h>

#include <chrono>
#include <map>

#include "reports/printable.hpp"
#include "runners/watchdog.hpp"

namespace kiln {

RankReport StepRunner::RunProbe(const SuiteStep& step, std::shared_ptr<Communicator> comm,
                                std::vector<std::string> members, const Subject& subject, HangWatch* watch,
                                std::shared_ptr<ProbeProgress> progress) {
  RankReport report;
  report.result.subject = subject;
  report.result.node = topology_.NodeOf(world_.Rank());
  report.result.rank = world_.Rank();
  auto ctx = std::make_shared<ProbeContext>();
  ctx->node = report.result.node;
  ctx->node_index = topology_.my_node_index;
  ctx->members = std::move(members);
  ctx->comm = std::move(comm);
  ctx->params = step.params;
  ctx->env = options_.env;
  ctx->progress = std::move(progress);
  ctx->deadline = std::chrono::steady_clock::now() +
                  std::chrono::duration_cast<std::chrono::steady_clock::duration>(step.timeout);
  std::optional<std::string> unsupported = step.probe->CheckSupported(*ctx);
  // Every rank of a pair or group must run it, or none: one that skips would leave the others waiting in a
  // collective.
  if (step.probe->scope() != Scope::kNode && ctx->comm->AllreduceMax(unsupported ? 1 : 0) != 0 && !unsupported) {
    unsupported = "another rank of its group cannot run this probe";
  }
  if (unsupported) {
    report.result.status = StepStatus::kSkipped;
    report.result.reason = *unsupported;
    return report;
  }
  Probe* probe = step.probe;
  if (watch != nullptr) {
    Seconds elapsed{0};
    bool timed_out = false;
    ProbeOutcome outcome = RunWatched(*probe, *ctx, step, *watch, elapsed, timed_out);
    return Reported(std::move(report), step, outcome, elapsed, timed_out);
  }
  GuardedOutcome guarded = RunWithDeadline(
      [ctx, probe](std::stop_token stop) {
        ctx->stop = stop;
        return probe->Run(*ctx);
      },
      step.timeout, kProbeGrace,
      // A node probe talks to nobody: it stops at once on a signal, also under mpirun, which gives its ranks
      // only moments after forwarding SIGTERM.
      options_.interrupted);
  // An abandoned probe keeps `ctx` alive through its own reference.
  abandoned_ = abandoned_ || guarded.abandoned;
  return Reported(std::move(report), step, guarded.outcome, guarded.elapsed, guarded.timed_out);
}

// A pair or group probe, here on the thread that may call MPI; `watch` requests its stop.
ProbeOutcome StepRunner::RunWatched(Probe& probe, ProbeContext& ctx, const SuiteStep& step, HangWatch& watch,
                                    Seconds& elapsed, bool& timed_out) const {
  ProbeOutcome outcome;
  auto start = std::chrono::steady_clock::now();
  ctx.stop = watch.token();
  try {
    outcome = probe.Run(ctx);
  } catch (const std::exception& e) {
    outcome = ProbeOutcome::Error(e.what());
  }
  elapsed = std::chrono::steady_clock::now() - start;
  const bool stopped = outcome.status == ProbeStatus::kError && watch.stop_requested();
  if (stopped) {
    outcome.reason = fmt::format("{}: {}", StopReason(watch.stopped_by_signal(), elapsed, step.timeout),
                                 outcome.reason);
  }
  timed_out = stopped && !watch.stopped_by_signal();
  return outcome;
}

RankReport StepRunner::Reported(RankReport report, const SuiteStep& step, const ProbeOutcome& outcome,
                                Seconds elapsed, bool timed_out) const {
  report.result.elapsed_s = elapsed.count();
  report.measurements = outcome.measurements;
  report.inventory = outcome.inventory;
  switch (outcome.status) {
    case ProbeStatus::kMeasured: report.result.status = StepStatus::kMeasured; break;
    case ProbeStatus::kSkipped: report.result.status = StepStatus::kSkipped; break;
    case ProbeStatus::kError: report.result.status = timed_out ? StepStatus::kTimeout : StepStatus::kError; break;
  }
  report.result.reason = outcome.reason;
  if (timed_out) {
    report.result.reason = fmt::format("{} in step {}/{} on node {} (rank {})", outcome.reason, step.phase,
                                       step.probe->Name(), report.result.node, report.result.rank);
  }
  return report;
}

std::string StepResultLine(const StepRecord& step, Seconds elapsed) {
  std::map<StepStatus, int> counts;
  const StepResult* worst = nullptr;
  for (const StepResult& r : step.results) {
    ++counts[r.status];
    if (r.status != StepStatus::kMeasured && (worst == nullptr || r.status > worst->status)) worst = &r;
  }
  std::string text;
  for (const auto& [status, n] : counts) text += fmt::format("{}{} {}", text.empty() ? "" : ", ", n, ToString(status));
  if (text.empty()) text = "no results";
  // Node names and probe messages are escaped: they must not drive the terminal.
  std::string why = worst == nullptr ? ""
                                     : fmt::format(" (worst: {}: {})", Printable(worst->subject.Label(4)),
                                                   Printable(worst->reason));
  if (why.size() > 200) why = why.substr(0, 197) + "...";
  return fmt::format("  done in {}: {}{}", FormatDuration(elapsed), text, why);
}

}  // namespace kiln

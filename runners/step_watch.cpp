#include "runners/step_watch.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>

#include "core/errors.hpp"
#include "reports/printable.hpp"

namespace kiln {
namespace {

// Past the grace, every result must reach rank 0 in this time: else rank 0 names the ranks whose results are missing
// (or itself, still inside the step's collectives) as hung, writes the report and ends the job.
Seconds GatherAllowance(int ranks) { return Seconds(5) + Seconds(0.0005) * ranks; }
// The other ranks of a hung step end themselves this much later, so that rank 0 has written the report first.
constexpr Seconds kReportAllowance{20};

}  // namespace

StepWatch::StepWatch(Communicator& world, const Suite& suite, const RunOptions& options, const JobTopology& topology,
                     RunRecorder& recorder, const RunProgress& progress)
    : world_(world), suite_(suite), options_(options), topology_(topology), recorder_(recorder), progress_(progress) {}

std::unique_ptr<HangWatch> StepWatch::Watch(std::size_t step, std::string round,
                                            std::function<Subject(int)> subject_of, bool stop, WatchHooks hooks) {
  const SuiteStep& s = suite_.steps[step];
  Seconds hang_after = s.timeout + kProbeGrace + GatherAllowance(world_.Size());
  if (world_.Rank() != 0) hang_after += kReportAllowance;
  {
    std::lock_guard lock(recorder_.mutex());
    watched_ = {step, std::move(round), std::move(subject_of), false,
                std::vector<char>(static_cast<std::size_t>(world_.Size()), 0)};
  }
  return std::make_unique<HangWatch>(stop ? s.timeout : hang_after, hang_after, std::move(hooks),
                                     [this](Seconds elapsed) { OnHang(elapsed); });
}

WatchHooks StepWatch::Heartbeat(const SuiteStep& step, std::shared_ptr<ProbeProgress> progress,
                                const std::string& node) {
  WatchHooks hooks;
  if (progress_.speaks()) {
    hooks.heartbeat = [this, progress, node, &step](Seconds elapsed) {
      std::string doing = progress->Latest();
      progress_.Say(fmt::format("  {}/{}: {} of {} on {}{}", step.phase, step.probe->Name(), FormatDuration(elapsed),
                                FormatDuration(step.timeout), Printable(node),
                                doing.empty() ? "" : ": " + Printable(doing)));
    };
  }
  return hooks;
}

WatchHooks StepWatch::CollectiveHooks(const SuiteStep& step, std::shared_ptr<ProbeProgress> progress) {
  WatchHooks hooks = Heartbeat(step, std::move(progress), topology_.NodeOf(world_.Rank()));
  hooks.signal = world_.Rank() == 0 ? options_.interrupted : nullptr;
  hooks.signal_fd = options_.interrupted_fd;
  if (world_.Size() > 1) hooks.on_signal = [this, &step] { recorder_.WriteInterimReport(step); };
  return hooks;
}

void StepWatch::Gathering() {
  std::lock_guard lock(recorder_.mutex());
  watched_.gathering = true;
}

void StepWatch::Arrived(int rank, const std::function<void()>& record) {
  std::lock_guard lock(recorder_.mutex());
  watched_.arrived[static_cast<std::size_t>(rank)] = 1;
  record();
}

void StepWatch::OnHang(Seconds elapsed) {
  std::lock_guard lock(recorder_.mutex());
  const SuiteStep& step = suite_.steps[watched_.step];
  std::string what = fmt::format("step {}/{} ({}/{}){}", watched_.step + 1, suite_.steps.size(), step.phase,
                                 step.probe->Name(), watched_.round.empty() ? "" : ", " + watched_.round);
  const int rank = world_.Rank();
  if (rank != 0) {
    std::fprintf(stderr, "kiln: rank %d (node %s): %s is not done after %s; ending this rank (rank 0 reports it)\n",
                 rank, Printable(topology_.NodeOf(rank)).c_str(), what.c_str(), FormatDuration(elapsed).c_str());
    std::fflush(nullptr);
    std::_Exit(kExitFailed);
  }
  std::vector<StepResult> hung = HungResults(elapsed, what);
  int code = recorder_.WriteHungReport(
      watched_.step, hung,
      fmt::format("ended by the watchdog: {} was not done after {} (timeout {}){}; the steps after it did not run",
                  what, FormatDuration(elapsed), FormatDuration(step.timeout),
                  hung.empty() ? ": every result had arrived, the closing barrier never completed" : ""));
  std::fflush(nullptr);
  std::_Exit(code);
}

std::vector<StepResult> StepWatch::HungResults(Seconds elapsed, const std::string& what) const {
  const SuiteStep& step = suite_.steps[watched_.step];
  const std::string ended = "the watchdog ended the job (a thread stuck in MPI cannot be stopped)";
  std::vector<StepResult> hung;
  if (!watched_.gathering) {
    const std::string& node = topology_.NodeOf(0);
    hung.push_back({watched_.subject_of(0), node, 0, StepStatus::kTimeout,
                    fmt::format("no result within {} (timeout {}): rank 0 (node {}) was still inside the collectives "
                                "of {}, which never completed; which rank never took part is not known to it; {}",
                                FormatDuration(elapsed), FormatDuration(step.timeout), node, what, ended),
                    elapsed.count()});
  }
  for (std::size_t r = 0; watched_.gathering && r < watched_.arrived.size(); ++r) {
    if (watched_.arrived[r]) continue;
    const std::string& missing = topology_.rank_nodes[r];
    hung.push_back({watched_.subject_of(static_cast<int>(r)), missing, static_cast<int>(r), StepStatus::kTimeout,
                    fmt::format("no result from rank {} (node {}) within {} (timeout {}): it never finished {}: hung, "
                                "frozen or cut off; {}",
                                r, missing, FormatDuration(elapsed), FormatDuration(step.timeout), what, ended),
                    elapsed.count()});
  }
  return hung;
}

}  // namespace kiln

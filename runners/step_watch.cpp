#include "runners/step_watch.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "core/errors.hpp"
#include "reports/printable.hpp"
#include "runners/rank_state.hpp"
#include "runners/step_runner.hpp"

namespace kiln {
namespace {

// Past the grace, every result must reach rank 0 in this time: else rank 0 names the ranks whose results are missing
// (or itself, still inside the step's collectives) as hung, writes the report and ends the job.
Seconds GatherAllowance(int ranks) { return Seconds(5) + Seconds(0.0005) * ranks; }
// The other ranks of a hung step end themselves this much later, so that rank 0 has written the report first.
constexpr Seconds kReportAllowance{20};
// Rank 0's watch looks every 2.5 s and prints when no line went out for 5 s: a line at least every 7.5 s. A wake-up
// this rare costs a busy-polling collective nothing measurable (one every 100 ms cost 15%).
constexpr Seconds kBeat{2.5};
constexpr Seconds kQuietAtMost{5};
// The other ranks send their state every 2.5 s, less often past 250 ranks: rank 0 reads about 100 states a second.
Seconds SendEvery(int ranks) { return std::max(kBeat, Seconds(0.01) * ranks); }
// A rank that missed three sends is silent (frozen, or cut off from rank 0).
Seconds SilentAfter(int ranks) { return SendEvery(ranks) * 3 + Seconds(1); }

std::string RoundName(const StepPlace& place) {
  return place.rounds > 0 ? fmt::format("round {}/{}", place.round + 1, place.rounds) : "";
}

}  // namespace

StepWatch::StepWatch(Communicator& world, const Suite& suite, const RunOptions& options, const JobTopology& topology,
                     RunRecorder& recorder, const RunProgress& progress)
    : world_(world), suite_(suite), options_(options), topology_(topology), recorder_(recorder), progress_(progress) {}

void StepWatch::Connect() { channel_ = StateChannel::Open(world_, !options_.quiet); }

std::unique_ptr<HangWatch> StepWatch::Watch(StepPlace place, std::function<Subject(int)> subject_of,
                                            std::shared_ptr<ProbeProgress> progress, bool collective) {
  const SuiteStep& step = suite_.steps[place.step];
  Seconds hang_after = step.timeout + kProbeGrace + GatherAllowance(world_.Size());
  if (world_.Rank() != 0) hang_after += kReportAllowance;
  {
    std::lock_guard lock(recorder_.mutex());
    watched_ = {place, std::move(subject_of), std::move(progress), false, std::chrono::steady_clock::now(),
                std::vector<char>(static_cast<std::size_t>(world_.Size()), 0)};
    SendState();
  }
  WatchHooks hooks = collective ? CollectiveHooks(step) : WatchHooks{};
  if (world_.Rank() == 0 ? progress_.speaks() : channel_ != nullptr) {
    hooks.heartbeat_every = world_.Rank() == 0 ? kBeat : SendEvery(world_.Size());
    hooks.heartbeat = [this](Seconds elapsed) { Beat(elapsed); };
  }
  return std::make_unique<HangWatch>(collective ? step.timeout : hang_after, hang_after, std::move(hooks),
                                     [this](Seconds elapsed) { OnHang(elapsed); });
}

WatchHooks StepWatch::CollectiveHooks(const SuiteStep& step) {
  WatchHooks hooks;
  hooks.signal = world_.Rank() == 0 ? options_.interrupted : nullptr;
  hooks.signal_fd = options_.interrupted_fd;
  if (world_.Size() > 1) hooks.on_signal = [this, &step] { recorder_.WriteInterimReport(step); };
  return hooks;
}

void StepWatch::Gathering() {
  std::lock_guard lock(recorder_.mutex());
  watched_.gathering = true;
  watched_.since = std::chrono::steady_clock::now();
  SendState();
}

void StepWatch::Arrived(int rank, const std::function<void()>& record) {
  std::lock_guard lock(recorder_.mutex());
  watched_.arrived[static_cast<std::size_t>(rank)] = 1;
  record();
}

void StepWatch::Beat(Seconds elapsed) {
  std::lock_guard lock(recorder_.mutex());
  if (world_.Rank() != 0) {
    SendState();
    return;
  }
  if (progress_.Silence() < kQuietAtMost) return;
  const SuiteStep& step = suite_.steps[watched_.place.step];
  std::string doing = watched_.progress->Latest();
  progress_.Say(fmt::format("  {}/{}: {} of {} on {}{}{}", step.phase, step.probe->Name(), FormatDuration(elapsed),
                            FormatDuration(step.timeout), Printable(topology_.NodeOf(0)),
                            doing.empty() ? "" : ": " + Printable(doing), Others()));
}

RankState StepWatch::MyState() const {
  return {world_.Rank(), watched_.place.step, watched_.place.round, watched_.gathering,
          Seconds(std::chrono::steady_clock::now() - watched_.since).count(), watched_.progress->Latest()};
}

void StepWatch::SendState() const {
  if (channel_ != nullptr && world_.Rank() != 0) channel_->Send(MyState());
}

std::string StepWatch::Others() const {
  std::string text;
  if (channel_ != nullptr) {
    std::vector<std::optional<HeardState>> heard = channel_->Heard();
    heard[0] = HeardState{MyState(), 0};
    text = DescribeRanks(heard, topology_.rank_nodes, SilentAfter(world_.Size()).count());
  }
  // Without the states (UDP blocked): while gathering, rank 0 still knows whose results it waits for.
  if (text.empty() && watched_.gathering) text = DescribeWaiting(watched_.arrived, topology_.rank_nodes);
  return text.empty() ? "" : "; " + Printable(text);
}

void StepWatch::OnHang(Seconds elapsed) {
  std::lock_guard lock(recorder_.mutex());
  const SuiteStep& step = suite_.steps[watched_.place.step];
  const std::string round = RoundName(watched_.place);
  std::string what = fmt::format("step {}/{} ({}/{}){}", watched_.place.step + 1, suite_.steps.size(), step.phase,
                                 step.probe->Name(), round.empty() ? "" : ", " + round);
  const int rank = world_.Rank();
  if (rank != 0) {
    std::fprintf(stderr, "kiln: rank %d (node %s): %s is not done after %s; ending this rank (rank 0 reports it)\n",
                 rank, Printable(topology_.NodeOf(rank)).c_str(), what.c_str(), FormatDuration(elapsed).c_str());
    std::fflush(nullptr);
    std::_Exit(kExitFailed);
  }
  std::vector<StepResult> hung = HungResults(elapsed, what);
  int code = recorder_.WriteHungReport(
      watched_.place.step, hung,
      fmt::format("ended by the watchdog: {} was not done after {} (timeout {}){}; the steps after it did not run",
                  what, FormatDuration(elapsed), FormatDuration(step.timeout),
                  hung.empty() ? ": every result had arrived, the closing barrier never completed" : ""));
  std::fflush(nullptr);
  std::_Exit(code);
}

std::vector<StepResult> StepWatch::HungResults(Seconds elapsed, const std::string& what) const {
  const SuiteStep& step = suite_.steps[watched_.place.step];
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

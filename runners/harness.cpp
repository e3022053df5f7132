#include "runners/harness.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>

#include "core/errors.hpp"
#include "reports/printable.hpp"
#include "reports/record_judgement.hpp"
#include "core/files.hpp"
#include "core/hostname.hpp"
#include "core/machine_identity.hpp"
#include "reports/report.hpp"
#include "reports/report_bundle.hpp"
#include "runners/burnin_log.hpp"
#include "runners/hang_watch.hpp"
#include "runners/node_discovery.hpp"
#include "runners/pairing.hpp"
#include "runners/watchdog.hpp"

namespace kiln {
namespace {

using nlohmann::json;

// What one rank sends rank 0 about one step: its result and its measurements.
struct RankReport {
  StepResult result;
  std::vector<Measurement> measurements;
  json inventory;
};

void to_json(json& j, const RankReport& r) {
  j = json{{"subject", r.result.subject}, {"node", r.result.node},   {"rank", r.result.rank},
           {"status", r.result.status},   {"reason", r.result.reason}, {"elapsed_s", r.result.elapsed_s},
           {"measurements", r.measurements}, {"inventory", r.inventory}};
}

void from_json(const json& j, RankReport& r) {
  r.result.subject = j.at("subject").get<Subject>();
  r.result.node = j.at("node").get<std::string>();
  r.result.rank = j.at("rank").get<int>();
  r.result.status = j.at("status").get<StepStatus>();
  r.result.reason = j.at("reason").get<std::string>();
  r.result.elapsed_s = j.at("elapsed_s").get<double>();
  r.measurements = j.at("measurements").get<std::vector<Measurement>>();
  r.inventory = j.at("inventory");
}

// After a step's timeout, a probe has this long to stop on its own; a node probe that does not is abandoned.
constexpr Seconds kProbeGrace{2};
// Past that, every result must reach rank 0 in this time: else rank 0 names the ranks whose results are missing
// (or itself, still inside the step's collectives) as hung, writes the report and ends the job.
Seconds GatherAllowance(int ranks) { return Seconds(5) + Seconds(0.0005) * ranks; }
// The other ranks of a hung step end themselves this much later, so that rank 0 has written the report first.
constexpr Seconds kReportAllowance{20};

// A rank's report that adds nothing to its group's: measured fine, with no numbers of its own.
bool IsQuietSuccess(const RankReport& r) { return r.result.status == StepStatus::kMeasured && r.measurements.empty(); }

struct Topology {
  std::vector<std::string> rank_nodes;  // node of each world rank
  std::vector<std::string> nodes;       // distinct, in order of first rank
  std::vector<NodeRecord> records;      // each node's hostname, machine identity and ranks
  std::vector<int> leaders;             // world rank that speaks for each node
  int my_node_index = 0;
  bool leader = false;
};

// All ranks: each says where it runs (hostname and machine identity); each groups the same answers the same way.
Topology Discover(Communicator& world, bool rank_as_node, const Environment& env) {
  RankOrigin mine{LocalHostname(), ReadMachineIdentity(env)};
  // A hostname that is not UTF-8 is sent with U+FFFD in place of its bad bytes rather than stop this rank alone.
  std::vector<std::string> gathered =
      world.GatherToRoot(json(mine).dump(-1, ' ', false, json::error_handler_t::replace));
  json origins = json::array();
  for (const std::string& text : gathered) origins.push_back(json::parse(text));
  NodeGrouping grouping = GroupRanksIntoNodes(
      json::parse(world.BroadcastFromRoot(origins.dump())).get<std::vector<RankOrigin>>(), rank_as_node);
  Topology t;
  t.rank_nodes = std::move(grouping.rank_nodes);
  for (const NodeRecord& node : grouping.nodes) {
    t.nodes.push_back(node.name);
    t.leaders.push_back(node.ranks.front());
  }
  t.records = std::move(grouping.nodes);
  const std::string& node = t.rank_nodes[static_cast<std::size_t>(world.Rank())];
  t.my_node_index = static_cast<int>(std::find(t.nodes.begin(), t.nodes.end(), node) - t.nodes.begin());
  t.leader = t.leaders[static_cast<std::size_t>(t.my_node_index)] == world.Rank();
  return t;
}

// Rank 0's side: what has arrived so far, journaled as it arrives.
class Collector {
 public:
  Collector(std::string journal_dir, RunRecord& record) : journal_dir_(std::move(journal_dir)), record_(record) {}

  void Accept(std::size_t step_index, const RankReport& report) {
    record_.steps[step_index].results.push_back(report.result);
    for (const Measurement& m : report.measurements) record_.measurements.push_back(m);
    if (!report.inventory.is_null()) {
      for (NodeRecord& node : record_.nodes) {
        if (node.name == report.result.node) node.inventory = report.inventory;
      }
    }
    // One line per result, appended at once: survives a crash of the rest of the run. The node's name is
    // whatever its hostname says: made a safe file name, and a planted symlink is never followed.
    json line = report;
    line["step"] = step_index;
    line["phase"] = record_.steps[step_index].phase;
    line["probe"] = record_.steps[step_index].probe;
    AppendLineDurably(fmt::format("{}/{}.jsonl", journal_dir_, SafeFileName(report.result.node)), line.dump(), false);
  }

 private:
  std::string journal_dir_;
  RunRecord& record_;
};

class Harness {
 public:
  Harness(std::shared_ptr<Communicator> world, const Suite& suite, const BaselineChoice& baseline,
          const ProbeRegistry& registry, const RunOptions& options)
      : world_(std::move(world)), suite_(suite), baseline_(baseline), registry_(registry), options_(options) {}

  HarnessResult Run() {
    auto start = std::chrono::steady_clock::now();
    run_start_ = start;
    topology_ = Discover(*world_, options_.rank_as_node, options_.env);
    bool root = world_->Rank() == 0;
    // Rank 0 makes the output folder first and tells everyone whether it could: a run whose report cannot
    // be written stops before measuring anything.
    std::string setup_error;
    int setup_code = 0;
    const bool burn_in = options_.duration_s > 0 || options_.resume;
    if (root) {
      try {
        out_claim_ = ClaimOutFolder(options_.out_dir, options_.force, options_.resume);  // locked for the whole run
        if (!out_claim_.aside.empty()) {
          Progress(fmt::format("--force: the earlier run's files are now in {}", out_claim_.aside));
        }
        MakeDirectories(options_.out_dir + "/journal");
        std::error_code link_error;
        if (std::filesystem::is_symlink(options_.out_dir + "/journal", link_error)) {
          throw RunError(fmt::format("'{}/journal' is a symbolic link: Kiln writes only inside --out", options_.out_dir));
        }
        InitRecord();
        for (const std::string& warning : PlanSuite(suite_).warnings) Progress(fmt::format("warning: {}", warning));
        if (burn_in) {
          BurnInSettings settings{record_.run_id, record_.started, suite_.sha256, baseline_.Identity(),
                                  options_.duration_s, {}};
          for (const NodeRecord& node : record_.nodes) settings.nodes.push_back(node.name);  // resumed on these only
          burnin_ = BurnInLog::Open(options_.out_dir, settings, options_.resume);
          if (options_.resume) {
            record_.run_id = burnin_->settings().run_id;  // one burn-in, one id, however many restarts
            record_.started = burnin_->settings().started;
          }
        }
      } catch (const KilnError& e) {
        setup_error = e.what();
        setup_code = e.exit_code();
      }
    }
    setup_error = world_->BroadcastFromRoot(setup_error);
    if (!setup_error.empty()) {
      if (world_->AllreduceMax(setup_code) == kExitBadInput) throw InputError(setup_error);
      throw RunError(setup_error);
    }
    Collector collector(options_.out_dir + "/journal", record_);
    collector_ = root ? &collector : nullptr;

    auto loop_start = std::chrono::steady_clock::now();
    for (int pass = 0;; ++pass) {
      if (pass > 0 && root) ClearIteration();
      if (!RunIteration()) break;
      if (!burn_in) break;
      int go_on = 0;
      if (root) {
        double elapsed = burnin_->elapsed_s() + Seconds(std::chrono::steady_clock::now() - loop_start).count();
        loop_start = std::chrono::steady_clock::now();
        burnin_->Append(elapsed, IterationVerdicts(), record_.measurements);
        iteration_recorded_ = true;
        double left = std::max(0.0, burnin_->settings().duration_s - elapsed);
        Progress(fmt::format("burn-in iteration {} done: {} elapsed, {} left; failed iterations per node: {}",
                             burnin_->iterations(), FormatDuration(Seconds(elapsed)), FormatDuration(Seconds(left)),
                             burnin_->FailuresPerNode()));
        go_on = left > 0 ? 1 : 0;
      }
      if (world_->AllreduceMax(go_on) == 0) break;
    }

    HarnessResult result;
    result.abandoned_work = world_->AllreduceMax(abandoned_ ? 1 : 0) != 0;
    // Rank 0 judges and writes alone; the others leave now rather than wait for it in a collective, where
    // Open MPI's busy polling would take the CPU from rank 0 on a node with more ranks than cores.
    if (root) {
      record_.finished = UtcNow();
      record_.duration_s = Seconds(std::chrono::steady_clock::now() - start).count();
      Finish(result);
    }
    return result;
  }

 private:
  // Runs every step once. False when a signal stopped it part way (all ranks agree after each step).
  bool RunIteration() {
    iteration_recorded_ = false;
    for (std::size_t i = 0; i < suite_.steps.size(); ++i) {
      RunStep(i);
      bool signalled = options_.interrupted != nullptr && options_.interrupted->load();
      if (world_->AllreduceMax(signalled ? 1 : 0) != 0) {
        interruption_ = fmt::format("stopped by a signal after step {}/{} ({}/{})", i + 1, suite_.steps.size(),
                                    suite_.steps[i].phase, suite_.steps[i].probe->Name());
        Progress(interruption_ + "; writing the report of what is done");
        return false;
      }
    }
    return true;
  }

  // Rank 0, between burn-in iterations: the last iteration is on disk; memory starts afresh.
  void ClearIteration() {
    for (StepRecord& step : record_.steps) {
      step.results.clear();
      step.results.shrink_to_fit();
    }
    record_.measurements.clear();
    record_.measurements.shrink_to_fit();
  }

  void Progress(const std::string& line) const {
    if (!options_.quiet && world_->Rank() == 0) std::fprintf(stderr, "kiln: %s\n", line.c_str());
  }

  void InitRecord() {
    record_ = StartRecord();
    record_.launcher = options_.launcher;
    record_.ranks = world_->Size();
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

  // Runs `step` on this rank with `comm` (whose ranks stand for `members`) under the step's timeout. A node probe
  // (no MPI) runs on a thread of its own and is abandoned if it hangs; a pair or group probe runs here, on the
  // thread that may call MPI, under `watch`.
  RankReport RunProbe(const SuiteStep& step, std::shared_ptr<Communicator> comm, std::vector<std::string> members,
                      const Subject& subject, HangWatch* watch = nullptr,
                      std::shared_ptr<ProbeProgress> progress = std::make_shared<ProbeProgress>()) {
    RankReport report;
    report.result.subject = subject;
    report.result.node = topology_.rank_nodes[static_cast<std::size_t>(world_->Rank())];
    report.result.rank = world_->Rank();
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
    if (step.probe->scope() != Scope::kNode &&
        ctx->comm->AllreduceMax(unsupported ? 1 : 0) != 0 && !unsupported) {
      unsupported = "another rank of its group cannot run this probe";
    }
    if (unsupported) {
      report.result.status = StepStatus::kSkipped;
      report.result.reason = *unsupported;
      return report;
    }
    Probe* probe = step.probe;
    if (watch != nullptr) {
      ProbeOutcome outcome;
      auto start = std::chrono::steady_clock::now();
      ctx->stop = watch->token();
      try {
        outcome = probe->Run(*ctx);
      } catch (const std::exception& e) {
        outcome = ProbeOutcome::Error(e.what());
      }
      Seconds elapsed = std::chrono::steady_clock::now() - start;
      const bool stopped = outcome.status == ProbeStatus::kError && watch->stop_requested();
      if (stopped) {
        outcome.reason = fmt::format("{}: {}", StopReason(watch->stopped_by_signal(), elapsed, step.timeout),
                                     outcome.reason);
      }
      const bool timed_out = stopped && !watch->stopped_by_signal();
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
        options_.interrupted, Heartbeat(step, ctx->progress, ctx->node));
    // An abandoned probe keeps `ctx` alive through its own reference.
    abandoned_ = abandoned_ || guarded.abandoned;
    return Reported(std::move(report), step, guarded.outcome, guarded.elapsed, guarded.timed_out);
  }

  // Rank 0 says every 10 s that a long step is alive and what its probe is doing.
  WatchHooks Heartbeat(const SuiteStep& step, std::shared_ptr<ProbeProgress> progress, const std::string& node) {
    WatchHooks hooks;
    if (world_->Rank() == 0 && !options_.quiet) {
      hooks.heartbeat = [this, progress, node, &step](Seconds elapsed) {
        std::string doing = progress->Latest();
        Progress(fmt::format("  {}/{}: {} of {} on {}{}", step.phase, step.probe->Name(), FormatDuration(elapsed),
                             FormatDuration(step.timeout), Printable(node), doing.empty() ? "" : ": " + Printable(doing)));
      };
    }
    return hooks;
  }

  // The hooks of a pair or group step: the heartbeat, and on a signal the report of the steps before it at once
  // (the step is not stopped: its ranks finish the collective together, but mpirun kills them moments after
  // forwarding SIGTERM). A job of one rank has nobody to finish with: a signal stops its probe.
  WatchHooks CollectiveHooks(const SuiteStep& step, std::shared_ptr<ProbeProgress> progress) {
    WatchHooks hooks = Heartbeat(step, std::move(progress),
                                 topology_.rank_nodes[static_cast<std::size_t>(world_->Rank())]);
    hooks.signal = world_->Rank() == 0 ? options_.interrupted : nullptr;
    hooks.signal_fd = options_.interrupted_fd;
    if (world_->Size() > 1) hooks.on_signal = [this, &step] { WriteInterimReport(step); };
    return hooks;
  }

  RankReport Reported(RankReport report, const SuiteStep& step, const ProbeOutcome& outcome, Seconds elapsed,
                      bool timed_out) const {
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

  // Every rank, as a step (or a round of pairs) starts: a watch over it, from the MPI calls that set it up to the
  // gathering of its results. It requests the probe's stop at the timeout (`stop` false: a node probe's own
  // watchdog does that) and, if this thread is still in the step well after, ends the job (OnHang).
  std::unique_ptr<HangWatch> WatchStep(std::size_t index, std::string round, std::function<Subject(int)> subject_of,
                                       bool stop, WatchHooks hooks = {}) {
    const SuiteStep& step = suite_.steps[index];
    Seconds hang_after = step.timeout + kProbeGrace + GatherAllowance(world_->Size());
    if (world_->Rank() != 0) hang_after += kReportAllowance;
    {
      std::lock_guard lock(record_mutex_);
      watched_ = {index, std::move(round), std::move(subject_of), false,
                  std::vector<char>(static_cast<std::size_t>(world_->Size()), 0)};
    }
    return std::make_unique<HangWatch>(stop ? step.timeout : hang_after, hang_after, std::move(hooks),
                                       [this](Seconds elapsed) { OnHang(elapsed); });
  }

  // On the watch's thread, which may not call MPI, when this rank's main thread is stuck in a step. Rank 0 records
  // who it is still waiting for, writes the report and ends the job; the others end themselves later (rank 0
  // first writes, unless it is the one frozen). Never returns.
  [[noreturn]] void OnHang(Seconds elapsed) {
    std::lock_guard lock(record_mutex_);
    const SuiteStep& step = suite_.steps[watched_.step];
    std::string what = fmt::format("step {}/{} ({}/{}){}", watched_.step + 1, suite_.steps.size(), step.phase,
                                   step.probe->Name(), watched_.round.empty() ? "" : ", " + watched_.round);
    const int rank = world_->Rank();
    const std::string& node = topology_.rank_nodes[static_cast<std::size_t>(rank)];
    if (rank != 0) {
      std::fprintf(stderr, "kiln: rank %d (node %s): %s is not done after %s; ending this rank (rank 0 reports it)\n",
                   rank, Printable(node).c_str(), what.c_str(), FormatDuration(elapsed).c_str());
      std::fflush(nullptr);
      std::_Exit(kExitFailed);
    }
    const std::string ended = "the watchdog ended the job (a thread stuck in MPI cannot be stopped)";
    std::vector<StepResult> hung;
    if (!watched_.gathering) {
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
    interruption_ = fmt::format("ended by the watchdog: {} was not done after {} (timeout {}){}; the steps after it "
                                "did not run",
                                what, FormatDuration(elapsed), FormatDuration(step.timeout),
                                hung.empty() ? ": every result had arrived, the closing barrier never completed" : "");
    Progress(interruption_ + "; writing the report");
    int code = kExitFailed;
    try {
      for (const StepResult& result : hung) {
        RankReport report;
        report.result = result;
        collector_->Accept(watched_.step, report);
      }
      record_.finished = UtcNow();
      record_.duration_s = Seconds(std::chrono::steady_clock::now() - run_start_).count();
      HarnessResult result;
      Finish(result);
      code = options_.finish ? options_.finish(result) : result.exit_code;
    } catch (const KilnError& e) {
      Progress(fmt::format("the report could not be written: {}", e.what()));
      code = e.exit_code();
    }
    std::fflush(nullptr);
    std::_Exit(code);
  }

  // All ranks, under a step's watch: rank 0 receives every rank's reports for the step so far. It takes them as
  // they arrive, so that its watch knows who is missing; then all wait, quietly, for rank 0.
  void Gather(std::size_t step_index, const std::vector<RankReport>& mine) {
    {
      std::lock_guard lock(record_mutex_);
      watched_.gathering = true;
    }
    world_->GatherToRootAsArrived(json(mine).dump(), [&](int rank, std::string text) {
      std::vector<RankReport> reports = json::parse(text).get<std::vector<RankReport>>();
      std::lock_guard lock(record_mutex_);
      watched_.arrived[static_cast<std::size_t>(rank)] = 1;
      for (const RankReport& report : reports) collector_->Accept(step_index, report);
    });
    world_->QuietBarrier();
  }

  void RunStep(std::size_t index) {
    const SuiteStep& step = suite_.steps[index];
    Progress(fmt::format("step {}/{}: {}/{} ({}), timeout {}", index + 1, suite_.steps.size(), step.phase,
                         step.probe->Name(), step.where, FormatDuration(step.timeout)));
    auto step_start = std::chrono::steady_clock::now();
    std::vector<RankReport> mine;
    switch (step.probe->scope()) {
      case Scope::kNode: {
        auto watch = WatchStep(index, "", [this](int r) { return Subject::Node(RankNode(r)); }, false);
        if (topology_.leader) {
          mine.push_back(RunProbe(step, std::make_shared<LocalCommunicator>(),
                                  {topology_.nodes[static_cast<std::size_t>(topology_.my_node_index)]},
                                  Subject::Node(topology_.nodes[static_cast<std::size_t>(topology_.my_node_index)])));
        }
        Gather(index, mine);
        break;
      }
      case Scope::kPair:
        RunPairStep(index);
        break;
      case Scope::kGroup: {
        Subject subject = Subject::Group(topology_.nodes);
        auto progress = std::make_shared<ProbeProgress>();
        auto watch = WatchStep(index, "", [subject](int) { return subject; }, true, CollectiveHooks(step, progress));
        std::shared_ptr<Communicator> group = world_->Duplicate();
        mine.push_back(RunProbe(step, group, topology_.rank_nodes, subject, watch.get(), progress));
        // One result per group from rank 0; the others only when they measured something or went wrong.
        if (world_->Rank() != 0 && IsQuietSuccess(mine.back())) mine.clear();
        Gather(index, mine);
        break;
      }
    }
    if (collector_ != nullptr) Progress(StepResultLine(record_.steps[index], std::chrono::steady_clock::now() - step_start));
  }

  // "  done in 12s: 8 measured, 1 timeout (worst: node7: timed out after 30s ...)": how the step went, before judging.
  static std::string StepResultLine(const StepRecord& step, Seconds elapsed) {
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

  void RunPairStep(std::size_t index) {
    const SuiteStep& step = suite_.steps[index];
    int nodes = static_cast<int>(topology_.nodes.size());
    if (nodes < 2) {
      auto watch = WatchStep(index, "", [this](int r) { return Subject::Node(RankNode(r)); }, false);
      std::vector<RankReport> mine;
      if (world_->Rank() == 0) {
        RankReport skipped;
        skipped.result = {Subject::Group(topology_.nodes), topology_.nodes.front(), 0, StepStatus::kSkipped,
                          "needs at least 2 nodes; this job has 1 (use --rank-as-node to pair ranks)", 0};
        mine.push_back(std::move(skipped));
      }
      Gather(index, mine);
      return;
    }
    std::vector<Round> rounds = SelectRounds(nodes, step.rounds);
    for (std::size_t r = 0; r < rounds.size(); ++r) {
      Progress(fmt::format("  round {}/{}: {} pairs at once", r + 1, rounds.size(), rounds[r].size()));
      auto progress = std::make_shared<ProbeProgress>();
      auto watch = WatchStep(index, fmt::format("round {}/{}", r + 1, rounds.size()),
                             [this, round = rounds[r]](int rank) { return PairOf(round, rank); }, true,
                             CollectiveHooks(step, progress));
      int color = -1, key = 0;
      if (topology_.leader) {
        for (std::size_t p = 0; p < rounds[r].size(); ++p) {
          auto [a, b] = rounds[r][p];
          if (a == topology_.my_node_index || b == topology_.my_node_index) {
            color = static_cast<int>(p);
            key = b == topology_.my_node_index ? 1 : 0;
          }
        }
      }
      std::shared_ptr<Communicator> pair = world_->Split(color, key);
      std::vector<RankReport> mine;
      if (pair) {
        auto [a, b] = rounds[r][static_cast<std::size_t>(color)];
        const std::string& node_a = topology_.nodes[static_cast<std::size_t>(a)];
        const std::string& node_b = topology_.nodes[static_cast<std::size_t>(b)];
        mine.push_back(RunProbe(step, pair, {node_a, node_b}, Subject::Pair(node_a, node_b), watch.get(), progress));
        if (key == 1 && IsQuietSuccess(mine.back())) mine.clear();
      }
      pair.reset();
      Gather(index, mine);
    }
  }

  const std::string& RankNode(int rank) const { return topology_.rank_nodes[static_cast<std::size_t>(rank)]; }

  // What `rank` tests in `round`: its node's pair when it speaks for a node that has a partner, else its node.
  Subject PairOf(const Round& round, int rank) const {
    const std::string& node = RankNode(rank);
    for (auto [a, b] : round) {
      const std::string& node_a = topology_.nodes[static_cast<std::size_t>(a)];
      const std::string& node_b = topology_.nodes[static_cast<std::size_t>(b)];
      if (node == node_a || node == node_b) return Subject::Pair(node_a, node_b);
    }
    return Subject::Node(node);
  }

  // Rank 0: the verdicts of what the current iteration measured (or failed to).
  std::vector<Verdict> IterationVerdicts() {
    std::vector<Verdict> verdicts = JudgeRecord(record_, baseline_, registry_.Catalog());
    CheckHostsJoined(verdicts);
    return verdicts;
  }

  // Rank 0, on a signal during a pair or group step: the report of what the steps before it measured, at once and
  // outside the chain (the final report, if the ranks get the time, replaces it and is the one chained).
  void WriteInterimReport(const SuiteStep& step) {
    std::lock_guard lock(record_mutex_);  // on a watch's thread, while the main thread may be gathering
    std::size_t index = static_cast<std::size_t>(&step - suite_.steps.data());
    interruption_ = fmt::format("stopped by a signal during step {}/{} ({}/{}); this report holds the steps before it",
                                index + 1, suite_.steps.size(), step.phase, step.probe->Name());
    Progress(interruption_ + ": writing it now");
    record_.finished = UtcNow();
    record_.duration_s = Seconds(std::chrono::steady_clock::now() - run_start_).count();
    try {
      HarnessResult interim;
      Finish(interim, /*chained=*/false);
    } catch (const KilnError& e) {
      Progress(fmt::format("the report of the steps before the signal could not be written: {}", e.what()));
    }
  }

  // Rank 0: the report and the summary.
  void Finish(HarnessResult& result, bool chained = true) {
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

  // Hosts named in --hosts that never joined are failures of their own: a node that could not even start.
  void CheckHostsJoined(std::vector<Verdict>& verdicts) const {
    for (const HostEntry& host : HostsMissing(options_.hosts, topology_.nodes)) {
      Verdict v;
      v.probe = "launch";
      v.subject = Subject::Node(host.name);
      v.outcome = Outcome::kError;
      v.reason = fmt::format("host listed in {}:{} did not join the job", options_.hosts_path, host.line);
      verdicts.push_back(std::move(v));
    }
  }

  std::shared_ptr<Communicator> world_;
  const Suite& suite_;
  const BaselineChoice& baseline_;
  const ProbeRegistry& registry_;
  const RunOptions& options_;
  Topology topology_;
  RunRecord record_;
  Collector* collector_ = nullptr;
  bool abandoned_ = false;
  // What the current step's watch needs to know when it fires; with record_ and the collector, guarded by
  // record_mutex_ whenever a watch thread may read them.
  struct Watched {
    std::size_t step = 0;
    std::string round;                        // "round 3/7" in a pair step
    std::function<Subject(int)> subject_of;   // what a world rank is testing in it
    bool gathering = false;                   // rank 0's main thread is past its probe, taking results
    std::vector<char> arrived;                // rank 0: whose results it has
  };
  Watched watched_;
  std::mutex record_mutex_;
  std::chrono::steady_clock::time_point run_start_;
  std::optional<BurnInLog> burnin_;   // rank 0, burn-in runs
  OutFolderClaim out_claim_;          // rank 0: --out locked until the report is written
  bool iteration_recorded_ = false;   // the current record_ is the last iteration in the burn-in log
  std::string interruption_;          // why the run stopped early, if it did
};

}  // namespace

HarnessResult RunHarness(std::shared_ptr<Communicator> world, const Suite& suite, const BaselineChoice& baseline,
                         const ProbeRegistry& registry, const RunOptions& options) {
  return Harness(std::move(world), suite, baseline, registry, options).Run();
}

}  // namespace kiln

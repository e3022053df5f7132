#include "runners/harness.hpp"

#include <fmt/format.h>

#include <chrono>

#include "core/errors.hpp"
#include "runners/job_topology.hpp"
#include "runners/pairing.hpp"
#include "runners/rank_report.hpp"
#include "runners/run_progress.hpp"
#include "runners/run_recorder.hpp"
#include "runners/step_runner.hpp"
#include "runners/step_watch.hpp"

namespace kiln {
namespace {

using nlohmann::json;

// The run on one rank: the steps in order, each rank's reports gathered on rank 0 after each step (or round), the
// burn-in loop. Rank 0's recorder keeps and writes what they found; the step watch and runner do each step's work.
class Harness {
 public:
  Harness(std::shared_ptr<Communicator> world, const Suite& suite, const BaselineChoice& baseline,
          const ProbeRegistry& registry, const RunOptions& options)
      : world_(std::move(world)),
        suite_(suite),
        options_(options),
        progress_(!options.quiet && world_->Rank() == 0),
        recorder_(suite, baseline, registry, options, topology_, progress_),
        watch_(*world_, suite, options, topology_, recorder_, progress_),
        runner_(*world_, options, topology_) {}

  HarnessResult Run() {
    topology_ = DiscoverTopology(*world_, options_.rank_as_node, options_.env);
    Open();
    watch_.Connect();
    const bool root = world_->Rank() == 0;
    const bool burn_in = options_.duration_s > 0 || options_.resume;
    auto loop_start = std::chrono::steady_clock::now();
    for (int pass = 0;; ++pass) {
      if (pass > 0 && root) recorder_.ClearIteration();
      if (!RunIteration()) break;
      if (!burn_in) break;
      int go_on = 0;
      if (root) {
        double iteration_s = Seconds(std::chrono::steady_clock::now() - loop_start).count();
        loop_start = std::chrono::steady_clock::now();
        go_on = recorder_.EndIteration(iteration_s) ? 1 : 0;
      }
      if (world_->AllreduceMax(go_on) == 0) break;
    }

    HarnessResult result;
    result.abandoned_work = world_->AllreduceMax(runner_.abandoned() ? 1 : 0) != 0;
    // Rank 0 judges and writes alone; the others leave now rather than wait for it in a collective, where
    // Open MPI's busy polling would take the CPU from rank 0 on a node with more ranks than cores.
    if (root) recorder_.Finish(result);
    return result;
  }

 private:
  // All ranks: rank 0 opens the record and tells everyone whether it could: a run whose report cannot be written
  // stops before measuring anything (InputError or RunError, as rank 0 found it).
  void Open() {
    std::string setup_error;
    int setup_code = 0;
    if (world_->Rank() == 0) {
      try {
        recorder_.Open(world_->Size());
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
  }

  // Runs every step once. False when a signal stopped it part way (all ranks agree after each step).
  bool RunIteration() {
    for (std::size_t i = 0; i < suite_.steps.size(); ++i) {
      RunStep(i);
      bool signalled = options_.interrupted != nullptr && options_.interrupted->load();
      if (world_->AllreduceMax(signalled ? 1 : 0) != 0) {
        recorder_.Stop(fmt::format("stopped by a signal after step {}/{} ({}/{})", i + 1, suite_.steps.size(),
                                   suite_.steps[i].phase, suite_.steps[i].probe->Name()));
        progress_.Say(recorder_.interruption() + "; writing the report of what is done");
        return false;
      }
    }
    return true;
  }

  void RunStep(std::size_t index) {
    const SuiteStep& step = suite_.steps[index];
    progress_.Say(fmt::format("step {}/{}: {}/{} ({}), timeout {}", index + 1, suite_.steps.size(), step.phase,
                              step.probe->Name(), step.where, FormatDuration(step.timeout)));
    auto step_start = std::chrono::steady_clock::now();
    std::vector<RankReport> mine;
    switch (step.probe->scope()) {
      case Scope::kNode: {
        auto progress = std::make_shared<ProbeProgress>();
        auto watch = watch_.Watch({index}, [this](int r) { return Subject::Node(topology_.NodeOf(r)); }, progress,
                                  false);
        if (topology_.leader) {
          mine.push_back(runner_.RunProbe(step, std::make_shared<LocalCommunicator>(), {topology_.MyNode()},
                                          Subject::Node(topology_.MyNode()), nullptr, progress));
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
        auto watch = watch_.Watch({index}, [subject](int) { return subject; }, progress, true);
        std::shared_ptr<Communicator> group = world_->Duplicate();
        mine.push_back(runner_.RunProbe(step, group, topology_.rank_nodes, subject, watch.get(), progress));
        // One result per group from rank 0; the others only when they measured something or went wrong.
        if (world_->Rank() != 0 && IsQuietSuccess(mine.back())) mine.clear();
        Gather(index, mine);
        break;
      }
    }
    if (world_->Rank() == 0) {
      progress_.Say(StepResultLine(recorder_.step(index), std::chrono::steady_clock::now() - step_start));
    }
  }

  void RunPairStep(std::size_t index) {
    const SuiteStep& step = suite_.steps[index];
    int nodes = static_cast<int>(topology_.nodes.size());
    if (nodes < 2) {
      auto watch = watch_.Watch({index}, [this](int r) { return Subject::Node(topology_.NodeOf(r)); },
                                std::make_shared<ProbeProgress>(), false);
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
      progress_.Say(fmt::format("  round {}/{}: {} pairs at once", r + 1, rounds.size(), rounds[r].size()));
      RunPairRound({index, static_cast<int>(r), static_cast<int>(rounds.size())}, rounds[r]);
    }
  }

  // All ranks, one round of a pair step: each node's leader runs the probe with its partner, if it has one.
  void RunPairRound(StepPlace place, const Round& round) {
    const SuiteStep& step = suite_.steps[place.step];
    auto progress = std::make_shared<ProbeProgress>();
    auto watch = watch_.Watch(place, [this, round](int rank) { return PairOf(round, rank); }, progress, true);
    int color = -1, key = 0;
    if (topology_.leader) {
      for (std::size_t p = 0; p < round.size(); ++p) {
        auto [a, b] = round[p];
        if (a == topology_.my_node_index || b == topology_.my_node_index) {
          color = static_cast<int>(p);
          key = b == topology_.my_node_index ? 1 : 0;
        }
      }
    }
    std::shared_ptr<Communicator> pair = world_->Split(color, key);
    std::vector<RankReport> mine;
    if (pair) {
      auto [a, b] = round[static_cast<std::size_t>(color)];
      const std::string& node_a = topology_.nodes[static_cast<std::size_t>(a)];
      const std::string& node_b = topology_.nodes[static_cast<std::size_t>(b)];
      mine.push_back(runner_.RunProbe(step, pair, {node_a, node_b}, Subject::Pair(node_a, node_b), watch.get(),
                                      progress));
      if (key == 1 && IsQuietSuccess(mine.back())) mine.clear();
    }
    pair.reset();
    Gather(place.step, mine);
  }

  // What `rank` tests in `round`: its node's pair when it speaks for a node that has a partner, else its node.
  Subject PairOf(const Round& round, int rank) const {
    const std::string& node = topology_.NodeOf(rank);
    for (auto [a, b] : round) {
      const std::string& node_a = topology_.nodes[static_cast<std::size_t>(a)];
      const std::string& node_b = topology_.nodes[static_cast<std::size_t>(b)];
      if (node == node_a || node == node_b) return Subject::Pair(node_a, node_b);
    }
    return Subject::Node(node);
  }

  // All ranks, under a step's watch: rank 0 receives every rank's reports for the step so far. It takes them as
  // they arrive, so that its watch knows who is missing; then all wait, quietly, for rank 0.
  void Gather(std::size_t step_index, const std::vector<RankReport>& mine) {
    watch_.Gathering();
    world_->GatherToRootAsArrived(json(mine).dump(), [&](int rank, std::string text) {
      std::vector<RankReport> reports = json::parse(text).get<std::vector<RankReport>>();
      watch_.Arrived(rank, [&] {
        for (const RankReport& report : reports) recorder_.Accept(step_index, report);
      });
    });
    world_->QuietBarrier();
  }

  std::shared_ptr<Communicator> world_;
  const Suite& suite_;
  const RunOptions& options_;
  JobTopology topology_;
  RunProgress progress_;
  RunRecorder recorder_;
  StepWatch watch_;
  StepRunner runner_;
};

}  // namespace

HarnessResult RunHarness(std::shared_ptr<Communicator> world, const Suite& suite, const BaselineChoice& baseline,
                         const ProbeRegistry& registry, const RunOptions& options) {
  return Harness(std::move(world), suite, baseline, registry, options).Run();
}

}  // namespace kiln

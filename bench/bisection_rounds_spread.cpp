// The bisection planner on simulated clusters it was not tuned on: sizes, seeds and fault mixes drawn at random
// (slow nodes, nodes that show only at scale, hung and crashing nodes, links that show only in small groups,
// links between any two nodes). Prints, per size and mix, over the seeds: faults named, healthy nodes or links
// accused, unresolved findings, and the spread of rounds. Run by hand: bisection_rounds_spread [SEEDS]
// (docs/bisection.md has its output).

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdlib>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "bisection/planner.hpp"
#include "bisection/simulation.hpp"

namespace {

struct Mix {
  const char* name;
  int nodes_bad, scale_bad, hung, links, diluted_links;
  int sensitivity;  // the simulated probe's: 0 = any size
};

struct Tally {
  int runs = 0, faults = 0, named = 0, false_accusations = 0, unresolved = 0;
  std::vector<int> rounds;
};

void RunOne(int n, const Mix& mix, unsigned seed, Tally& t, bool verbose = false) {
  kiln::SimulatedCluster c;
  for (int i = 0; i < n; ++i) c.nodes.push_back(fmt::format("n{}", i));
  c.seed = seed;
  std::mt19937 random(seed * 7919u + static_cast<unsigned>(n));
  std::set<int> used;
  auto fresh = [&] {
    for (;;) {
      int node = static_cast<int>(random() % static_cast<unsigned>(n));
      if (used.insert(node).second) return node;
    }
  };
  for (int i = 0; i < mix.nodes_bad; ++i) c.faults.push_back({kiln::FaultKind::kSlowNode, fresh(), -1, 2, 1, ""});
  for (int i = 0; i < mix.scale_bad; ++i) {
    c.faults.push_back({kiln::FaultKind::kSlowNode, fresh(), -1, std::max(3, n / 8), 1, ""});
  }
  for (int i = 0; i < mix.hung; ++i) c.faults.push_back({kiln::FaultKind::kHungNode, fresh(), -1, 1, 1, ""});
  for (int i = 0; i < mix.links + mix.diluted_links; ++i) {
    kiln::SimulatedFault f{kiln::FaultKind::kSlowLink, fresh(), fresh(), 2, 1, ""};
    if (i >= mix.links) f.max_group = mix.sensitivity;
    c.faults.push_back(f);
  }
  kiln::BisectOptions options;
  options.group_limit = mix.sensitivity;
  kiln::SimulatedExecutor executor(c);
  kiln::BisectResult r = kiln::Bisect(c.nodes, executor, options);
  std::set<std::vector<int>> truth;
  for (auto culprit : c.Culprits()) truth.insert(culprit);
  if (verbose) {  // one case in full: the faults, the findings, each round's stage and conclusion
    for (const auto& culprit : truth) fmt::print("fault: {}\n", fmt::join(culprit, "-"));
    for (const kiln::Finding& f : r.findings) {
      fmt::print("finding {} {} [{}]: {}\n", kiln::ToString(f.kind), fmt::join(f.members, "-"), f.stage, f.reason);
    }
    for (const kiln::RoundRecord& round : r.rounds) {
      fmt::print("round {} {} ({} trials): {}\n", round.index, round.stage, round.trials.size(), round.conclusion);
    }
  }
  for (const kiln::Finding& f : r.findings) {
    if (f.kind == kiln::FindingKind::kUnresolved) {
      ++t.unresolved;
      continue;
    }
    std::vector<int> m = f.members;
    std::sort(m.begin(), m.end());
    (truth.count(m) ? t.named : t.false_accusations) += 1;
  }
  t.faults += static_cast<int>(truth.size());
  t.rounds.push_back(static_cast<int>(r.rounds.size()));
  ++t.runs;
}

}  // namespace

int main(int argc, char** argv) {
  const unsigned seeds = argc > 1 ? static_cast<unsigned>(std::atoi(argv[1])) : 20;
  const bool one = argc > 3;  // SEEDS NODES MIX: that case, first seed, in full
  const std::vector<Mix> mixes{
      {"healthy", 0, 0, 0, 0, 0, 0},
      {"1 slow node", 1, 0, 0, 0, 0, 0},
      {"3 nodes + hung", 2, 0, 1, 0, 0, 0},
      {"1 link", 0, 0, 0, 1, 0, 0},
      {"2 links + node", 1, 0, 0, 2, 0, 0},
      {"scale node + link", 0, 1, 0, 1, 0, 0},
      {"diluted link (<=24)", 0, 0, 0, 0, 1, 24},
      {"diluted link + node (<=40)", 1, 0, 0, 0, 1, 40},
      {"all of it (<=48)", 2, 1, 1, 1, 1, 48},
  };
  if (one) {
    Tally t;
    RunOne(std::atoi(argv[2]), mixes[static_cast<std::size_t>(std::atoi(argv[3]))], 1000 + seeds, t, true);
    return 0;
  }
  fmt::print("{:>6} {:<28} {:>5} {:>9} {:>6} {:>10} {:>5} {:>6} {:>5}\n", "nodes", "mix", "runs", "named", "false",
             "unresolved", "min", "median", "max");
  for (int n : {100, 232, 777, 3000, 10007}) {
    for (const Mix& mix : mixes) {
      Tally t;
      for (unsigned seed = 1000; seed < 1000 + seeds; ++seed) RunOne(n, mix, seed, t);
      std::sort(t.rounds.begin(), t.rounds.end());
      fmt::print("{:>6} {:<28} {:>5} {:>4}/{:<4} {:>6} {:>10} {:>5} {:>6} {:>5}\n", n, mix.name, t.runs, t.named,
                 t.faults, t.false_accusations, t.unresolved, t.rounds.front(), t.rounds[t.rounds.size() / 2],
                 t.rounds.back());
    }
  }
  return 0;
}

// Rounds and tests the bisection planner uses to find d slow nodes among N, against the lower bound
// log2(C(N, d)), on simulated clusters (culprits spread at random, fixed seeds). Counters per case:
//   rounds      rounds of trials run (trials of a round run at the same time: this is the wall-time cost)
//   tests       trials run over all rounds
//   lower_bound log2 of the number of possible culprit sets (tests of one yes/no answer each)
//   found       culprits named (must equal d), false_accusations (must be 0)
// "full" runs the three stages (node, pair, group); "group_only" is the adaptive group testing alone; "cover" is
// "full" with --cover-links (every pair in one group of the affine plane, above 64 nodes).

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <set>

#include "bisection/planner.hpp"
#include "bisection/simulation.hpp"

namespace {

enum class Mode { kGroupOnly, kFull, kCover };

void BM_Bisect(benchmark::State& state, Mode mode) {
  int nodes = static_cast<int>(state.range(0));
  int culprits = static_cast<int>(state.range(1));
  kiln::SimulatedCluster cluster;
  for (int i = 0; i < nodes; ++i) cluster.nodes.push_back(fmt::format("n{}", i));
  std::mt19937 random(static_cast<unsigned>(nodes * 31 + culprits));
  std::set<int> chosen;
  while (static_cast<int>(chosen.size()) < culprits) chosen.insert(static_cast<int>(random() % nodes));
  for (int node : chosen) cluster.faults.push_back({kiln::FaultKind::kSlowNode, node, -1, 2, 1, ""});
  kiln::BisectOptions options;
  options.node_stage = options.pair_stage = mode != Mode::kGroupOnly;
  options.cover_links = mode == Mode::kCover;
  kiln::BisectResult result;
  for (auto _ : state) {
    kiln::SimulatedExecutor executor(cluster);
    result = kiln::Bisect(cluster.nodes, executor, options);
    benchmark::DoNotOptimize(result);
  }
  int found = 0, false_accusations = 0;
  for (const kiln::Finding& f : result.findings) {
    if (f.kind != kiln::FindingKind::kNode) continue;
    (chosen.count(f.members[0]) ? found : false_accusations) += 1;
  }
  state.counters["rounds"] = static_cast<double>(result.rounds.size());
  state.counters["tests"] = result.tests;
  state.counters["lower_bound"] = kiln::CulpritSetLowerBound(nodes, culprits);
  state.counters["found"] = found;
  state.counters["false_accusations"] = false_accusations;
}

void Cases(benchmark::internal::Benchmark* b) {
  for (int nodes = 64; nodes <= 65536; nodes *= 4) {
    for (int culprits : {1, 2, 5}) b->Args({nodes, culprits});
  }
  b->Unit(benchmark::kMillisecond);
}

BENCHMARK_CAPTURE(BM_Bisect, group_only, Mode::kGroupOnly)->Apply(Cases);
BENCHMARK_CAPTURE(BM_Bisect, full, Mode::kFull)->Apply(Cases);
BENCHMARK_CAPTURE(BM_Bisect, cover, Mode::kCover)->Apply(Cases);

}  // namespace

BENCHMARK_MAIN();

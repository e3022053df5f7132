// How the evaluator scales with the fleet: absolute and fleet-relative rules over N nodes.

#include <benchmark/benchmark.h>

#include "core/evaluator.hpp"

namespace {

void BM_EvaluateFleet(benchmark::State& state) {
  kiln::Baseline baseline;
  kiln::Expectation floor;
  floor.metric_pattern = "host.stream.*";
  floor.rule = kiln::RuleKind::kMin;
  floor.threshold = 1;
  kiln::Expectation fleet = floor;
  fleet.rule = kiln::RuleKind::kFleet;
  baseline.expectations = {floor, fleet};
  std::vector<kiln::Measurement> measurements;
  for (int n = 0; n < state.range(0); ++n) {
    for (const char* metric : {"host.stream.copy_bw", "host.stream.triad_bw"}) {
      measurements.push_back(kiln::MakeMeasurement("bench", metric, "GB/s",
                                                   kiln::Subject::Node("node" + std::to_string(n)),
                                                   {100.0 + n % 7, 101.0, 99.0}, true, ""));
    }
  }
  for (auto _ : state) benchmark::DoNotOptimize(kiln::Evaluate(baseline, measurements));
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(measurements.size()));
}
BENCHMARK(BM_EvaluateFleet)->RangeMultiplier(8)->Range(8, 32768)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();

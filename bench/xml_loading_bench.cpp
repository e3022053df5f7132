// XML loading against its size: a suite of N steps and a simulated cluster of N faults. Every element's line
// number used to be counted from the top of the file (N^2: 40,000 steps took 16 s); the fitted complexity
// printed at the end must be N.
// Usage: build/bench/xml_loading_bench [--benchmark_filter=Suite]

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "bisection/simulation.hpp"
#include "probes/registry.hpp"
#include "runners/suite.hpp"

namespace {

// A file in a fresh temporary folder, removed with it.
class TempFile {
 public:
  TempFile(const std::string& name, const std::string& content) {
    std::string pattern = (std::filesystem::temp_directory_path() / "kiln-bench-XXXXXX").string();
    folder_ = ::mkdtemp(pattern.data());
    path_ = (folder_ / name).string();
    std::ofstream(path_) << content;
  }
  ~TempFile() {
    std::error_code ignored;
    std::filesystem::remove_all(folder_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::filesystem::path folder_;
  std::string path_;
};

std::string SuiteOfSteps(std::int64_t steps) {
  std::string xml = "<?xml version=\"1.0\"?>\n<suite name=\"big\" version=\"1\">\n  <phase name=\"node\">\n";
  for (std::int64_t i = 0; i < steps; ++i) {
    xml += "    <step probe=\"sleep\" timeout=\"60s\">\n      <param name=\"duration\" value=\"1ms\"/>\n    </step>\n";
  }
  return xml + "  </phase>\n</suite>\n";
}

std::string ClusterOfFaults(std::int64_t faults) {
  std::string xml = fmt::format("<cluster name=\"big\" nodes=\"{}\" prefix=\"node\">\n", faults);
  int width = static_cast<int>(std::to_string(faults - 1).size());
  for (std::int64_t i = 0; i < faults; ++i) xml += fmt::format("  <fault kind=\"slow_node\" node=\"node{:0{}}\"/>\n", i, width);
  return xml + "</cluster>\n";
}

void BM_LoadSuite(benchmark::State& state) {
  TempFile file("suite.xml", SuiteOfSteps(state.range(0)));
  kiln::ProbeRegistry registry = kiln::ProbeRegistry::Default();
  for (auto _ : state) benchmark::DoNotOptimize(kiln::LoadSuite(file.path(), registry));
  state.SetComplexityN(state.range(0));
}
BENCHMARK(BM_LoadSuite)->RangeMultiplier(2)->Range(5000, 40000)->Unit(benchmark::kMillisecond)->Complexity();

void BM_LoadSimulatedCluster(benchmark::State& state) {
  TempFile file("cluster.xml", ClusterOfFaults(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(kiln::LoadSimulatedCluster(file.path()));
  state.SetComplexityN(state.range(0));
}
BENCHMARK(BM_LoadSimulatedCluster)->RangeMultiplier(2)->Range(6250, 50000)->Unit(benchmark::kMillisecond)->Complexity();

}  // namespace

BENCHMARK_MAIN();

// A bounded random-input test over every parser of untrusted or hand-written input: suites, baselines, simulated
// clusters, hostfiles, perftest output and report.json (loaded, judged again, rendered in every format). Each seed
// file is mutated a few hundred times (bytes flipped, inserted, deleted, duplicated, cut); the only acceptable
// outcomes are success or Kiln's bad-input error (exit 2). A crash, a hang or any other exception fails the test.
// Deterministic (fixed seeds), a few seconds on this machine.

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <functional>
#include <random>

#include "bisection/simulation.hpp"
#include "core/baseline.hpp"
#include "core/errors.hpp"
#include "core/files.hpp"
#include "probes/ib_link/perftest_output.hpp"
#include "probes/registry.hpp"
#include "reports/record_judgement.hpp"
#include "reports/renderers.hpp"
#include "reports/report.hpp"
#include "runners/hostfile.hpp"
#include "runners/suite.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

std::string Mutate(std::string text, std::mt19937& rng) {
  static const std::string kSpice = "<>&\"'=/\\\n\t\x01\x7f{}[],:-.%0123456789e+";
  std::uniform_int_distribution<int> edits(1, 6), kind(0, 5);
  int n = edits(rng);
  for (int e = 0; e < n && !text.empty(); ++e) {
    std::size_t at = std::uniform_int_distribution<std::size_t>(0, text.size() - 1)(rng);
    char spice = kSpice[std::uniform_int_distribution<std::size_t>(0, kSpice.size() - 1)(rng)];
    switch (kind(rng)) {
      case 0: text[at] = spice; break;
      case 1: text.insert(at, 1, spice); break;
      case 2: text.erase(at, std::min<std::size_t>(text.size() - at, 1 + at % 16)); break;
      case 3: text.insert(at, text.substr(at, std::min<std::size_t>(text.size() - at, 64))); break;
      case 4: text.resize(at); break;
      default: text[at] = static_cast<char>(rng() & 0xff); break;
    }
  }
  return text;
}

// Runs `parse` on `iterations` mutations of `seed`; counts what was accepted. Any exception but InputError fails
// the test, naming the input.
int Fuzz(const std::string& name, const std::string& seed, int iterations,
         const std::function<void(const std::string&)>& parse) {
  std::mt19937 rng(static_cast<unsigned>(std::hash<std::string>{}(name)));
  int accepted = 0;
  for (int i = 0; i < iterations; ++i) {
    std::string input = i == 0 ? seed : Mutate(seed, rng);
    try {
      parse(input);
      ++accepted;
    } catch (const InputError&) {
    } catch (const std::exception& e) {
      ADD_FAILURE() << name << " mutation " << i << " threw " << typeid(e).name() << ": " << e.what() << "\ninput:\n"
                    << input.substr(0, 2000);
      return accepted;
    }
  }
  return accepted;
}

// perftest's parser says what is wrong with its output with OutputError (the probe's error), its bad input.
void PerftestOrBadInput(const std::function<void()>& parse) {
  try {
    parse();
  } catch (const perftest::OutputError& e) {
    throw InputError(e.what());
  }
}

std::string Source(const std::string& relative) { return ReadFile(testing::SourceDir() + "/" + relative); }

TEST(Fuzz, XmlLoadersOnlyEverSayBadInput) {
  testing::TempDir dir;
  ProbeRegistry registry = ProbeRegistry::Default();
  std::string path = (dir.path() / "input.xml").string();
  auto through_file = [&](const std::function<void()>& load) {
    return [&, load](const std::string& text) {
      dir.Write("input.xml", text);
      load();
    };
  };
  for (const char* suite : {"suites/quick.xml", "suites/acceptance.xml", "tests/fixtures/suites/mpi_small.xml"}) {
    EXPECT_GE(Fuzz(suite, Source(suite), 1000, through_file([&] { LoadSuite(path, registry); })), 1);
  }
  for (const char* baseline : {"baselines/h200-sxm-141gb.xml", "baselines/cpu-host.xml"}) {
    EXPECT_GE(Fuzz(baseline, Source(baseline), 1000, through_file([&] { LoadBaseline(path, registry.AllMetrics()); })), 1);
  }
  EXPECT_GE(Fuzz("cluster", Source("tests/fixtures/clusters/sim4096-five.xml"), 200,
                 through_file([&] { LoadSimulatedCluster(path); })),
            1);
}

TEST(Fuzz, HostfilesAndPerftestOutputOnlyEverSayBadInput) {
  EXPECT_GE(Fuzz("hostfile", "node01 slots=8\n# rack 2\nnode02 max_slots=4\n10.0.0.5\n[fe80::1]\n", 500,
                 [](const std::string& text) { ParseHostfile(text, "hosts"); }),
            1);
  for (const char* name : {"bw_all_sizes_mibsec.txt", "bw_gbits.txt", "bw_old_mbsec.txt", "bw_duration.txt"}) {
    EXPECT_GE(Fuzz(name, Source(std::string("tests/fixtures/perftest/") + name), 300,
                   [](const std::string& text) { PerftestOrBadInput([&] { perftest::ParseBw(text); }); }),
              1);
  }
  for (const char* name : {"lat_new.txt", "lat_old.txt"}) {
    EXPECT_GE(Fuzz(name, Source(std::string("tests/fixtures/perftest/") + name), 300,
                   [](const std::string& text) { PerftestOrBadInput([&] { perftest::ParseLat(text); }); }),
              1);
  }
}

// Replaces one value somewhere in `doc` with a value of another type or an odd number: what a crafted report.json
// does, while staying valid JSON (byte mutations mostly stop at the JSON parser).
void MutateJson(nlohmann::json& doc, std::mt19937& rng) {
  nlohmann::json* node = &doc;
  for (int depth = 0; depth < 6 && (node->is_object() || node->is_array()) && !node->empty(); ++depth) {
    std::size_t pick = std::uniform_int_distribution<std::size_t>(0, node->size() - 1)(rng);
    auto it = node->begin();
    std::advance(it, static_cast<std::ptrdiff_t>(pick));
    node = &*it;
  }
  static const nlohmann::json kOdd[] = {nullptr, "", "\x1b[2J", -1, 1e308, -0.0, nlohmann::json::array(),
                                        nlohmann::json::object(), true, "not_applicable", "../../x"};
  *node = kOdd[std::uniform_int_distribution<std::size_t>(0, std::size(kOdd) - 1)(rng)];
}

TEST(Fuzz, ReportsAreLoadedJudgedAndRenderedOrRefused) {
  testing::TempDir dir;
  ProbeRegistry registry = ProbeRegistry::Default();
  BaselineChoice choice;
  choice.catalog.push_back(LoadBaseline(testing::SourceDir() + "/baselines/h100-sxm5-80gb.xml", registry.AllMetrics()));
  std::string path = (dir.path() / "report.json").string();
  // As `kiln evaluate` and `kiln report` do: a value of the wrong type deep in a report is bad input (they turn
  // the JSON library's type errors into it); anything else escaping is a bug.
  auto judge_and_render = [&](const std::string& text) {
    dir.Write("report.json", text);
    nlohmann::json report = LoadReport(path);
    RunRecord record = RecordFromReport(report, path);
    try {
      JudgeRecord(record, choice, registry.Catalog());
      for (const char* format : {"text", "html", "junit", "prom", "md"}) Render(report, format);
    } catch (const nlohmann::json::exception& e) {
      throw InputError(path, 0, e.what());
    }
  };
  std::string seed = Source("tests/fixtures/real/h100-x1.json");
  EXPECT_GE(Fuzz("report bytes", seed, 200, judge_and_render), 1);
  std::mt19937 rng(7);
  int accepted = 0;
  for (int i = 0; i < 300; ++i) {
    nlohmann::json doc = nlohmann::json::parse(seed);
    for (int k = 0; k < 3; ++k) MutateJson(doc, rng);
    accepted += Fuzz(fmt::format("report values {}", i), doc.dump(), 1, judge_and_render);
  }
  EXPECT_GE(accepted, 10);  // some mutations land where they change nothing that matters
}

}  // namespace
}  // namespace kiln

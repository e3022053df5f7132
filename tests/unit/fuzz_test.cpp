// A bounded random-input test over every parser of untrusted or hand-written input: suites, baselines, simulated
// clusters, hostfiles, perftest output and report.json (loaded, judged again, rendered in every format). Each seed
// file is mutated a few hundred times (bytes flipped, inserted, deleted, duplicated, cut); the only acceptable
// outcomes are success or Kiln's bad-input error (exit 2), naming the file. A crash, a hang or any other exception
// fails the test; an accepted hostfile must hold only names mpirun and DNS take (checked apart from the parser).
// Deterministic (fixed seeds), a few seconds on this machine.

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cctype>
#include <functional>
#include <random>
#include <regex>
#include <set>

#include "bisection/simulation.hpp"
#include "core/baseline.hpp"
#include "core/errors.hpp"
#include "core/files.hpp"
#include "probes/ib_link/perftest_output.hpp"
#include "probes/registry.hpp"
#include "reports/printable.hpp"
#include "reports/record_judgement.hpp"
#include "reports/renderers.hpp"
#include "reports/report.hpp"
#include "runners/hostfile.hpp"
#include "runners/suite.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

const std::string kSpice = "<>&\"'=/\\\n\t\x01\x7f{}[],:-.%0123456789e+";
// What a hostfile's crafted or careless names hold: CRLF, '_', IPv6, other case, non-ASCII (duplications make long labels).
const std::string kHostSpice = "\r\n\t _:[].-#=Vv0123456789\x1b\xc3\xa9\xff";

std::string Mutate(std::string text, std::mt19937& rng, const std::string& spices = kSpice) {
  std::uniform_int_distribution<int> edits(1, 6), kind(0, 5);
  int n = edits(rng);
  for (int e = 0; e < n && !text.empty(); ++e) {
    std::size_t at = std::uniform_int_distribution<std::size_t>(0, text.size() - 1)(rng);
    char spice = spices[std::uniform_int_distribution<std::size_t>(0, spices.size() - 1)(rng)];
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
// the test, naming the input; so does an InputError whose message does not name `must_name` (the file), when given.
int Fuzz(const std::string& name, const std::string& seed, int iterations,
         const std::function<void(const std::string&)>& parse, const std::string& must_name = "",
         const std::string& spice = kSpice) {
  std::mt19937 rng(static_cast<unsigned>(std::hash<std::string>{}(name)));
  int accepted = 0;
  for (int i = 0; i < iterations; ++i) {
    std::string input = i == 0 ? seed : Mutate(seed, rng, spice);
    try {
      parse(input);
      ++accepted;
    } catch (const InputError& e) {
      if (std::string(e.what()).find(must_name) == std::string::npos) {
        ADD_FAILURE() << name << " mutation " << i << ": the error does not name " << must_name << ": " << e.what();
        return accepted;
      }
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
  // Every error names the file it is about.
  for (const char* suite : {"suites/quick.xml", "suites/acceptance.xml", "tests/fixtures/suites/mpi_small.xml"}) {
    EXPECT_GE(Fuzz(suite, Source(suite), 1000, through_file([&] { LoadSuite(path, registry); }), path), 1);
  }
  for (const char* suite : {"suites/burnin.xml", "tests/fixtures/suites/ib.xml", "tests/fixtures/suites/bisect_netns.xml"}) {
    EXPECT_GE(Fuzz(suite, Source(suite), 300, through_file([&] { LoadSuite(path, registry); }), path), 1);
  }
  for (const char* baseline : {"baselines/h200-sxm-141gb.xml", "baselines/cpu-host.xml"}) {
    EXPECT_GE(Fuzz(baseline, Source(baseline), 1000, through_file([&] { LoadBaseline(path, registry.AllMetrics()); }),
                   path),
              1);
  }
  for (const char* baseline : {"baselines/h100-sxm5-80gb.xml", "tests/fixtures/baselines/netns.xml",
                               "tests/fixtures/baselines/ib-ndr.xml"}) {
    EXPECT_GE(Fuzz(baseline, Source(baseline), 300, through_file([&] { LoadBaseline(path, registry.AllMetrics()); }),
                   path),
              1);
  }
  for (const char* cluster : {"tests/fixtures/clusters/sim4096-five.xml", "tests/fixtures/clusters/sim8192-mixed.xml"}) {
    EXPECT_GE(Fuzz(cluster, Source(cluster), 200, through_file([&] { LoadSimulatedCluster(path); }), path), 1);
  }
}

// What mpirun (Open MPI's node names: ASCII letters, digits, '.', '-') and DNS (RFC 1123: 253 characters, labels
// of 1 to 63 not starting or ending with '-'; or an IPv4 address) both take, written apart from the parser.
bool MpirunAndDnsTake(const std::string& name) {
  static const std::regex kIpv4(R"((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3})");
  static const std::regex kLabel(R"([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)");
  if (name.find_first_not_of("0123456789.") == std::string::npos) return std::regex_match(name, kIpv4);
  if (name.empty() || name.size() > 253) return false;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = name.find('.', start);
    if (!std::regex_match(name.substr(start, dot - start), kLabel)) return false;
    if (dot == std::string::npos) return true;
    start = dot + 1;
  }
}

TEST(Fuzz, EveryHostfileAcceptedIsOneMpirunAndDnsTake) {
  // Mutations with CRLF, '_', IPv6 brackets, other case and non-ASCII: a hostfile is refused, naming the file,
  // or every name in it is one mpirun and DNS both take, no two the same but for case.
  std::string seed = "node01 slots=8\n# rack 2\nnode02 max_slots=4\n10.0.0.5\nNode-03.rack2.example\n";
  int accepted = Fuzz("hostfile names", seed, 3000, [](const std::string& text) {
    std::set<std::string> seen;
    for (const HostEntry& host : ParseHostfile(text, "hosts")) {
      std::string lower = host.name;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (!MpirunAndDnsTake(host.name) || !seen.insert(lower).second) {
        throw std::logic_error("accepted '" + Printable(host.name) + "' on line " + std::to_string(host.line));
      }
    }
  }, "hosts", kHostSpice);
  EXPECT_GE(accepted, 10);
}

TEST(Fuzz, HostfilesAndPerftestOutputOnlyEverSayBadInput) {
  EXPECT_GE(Fuzz("hostfile", "node01 slots=8\n# rack 2\nnode02 max_slots=4\n10.0.0.5\nlocalhost\n", 500,
                 [](const std::string& text) { ParseHostfile(text, "hosts"); }, "hosts"),
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

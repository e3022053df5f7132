// docs/architecture.md's checklist, followed for a trivial probe: declared, registered, run through the harness
// by a suite, judged by a version-2 baseline, failing closed when it reports nothing.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "probes/registry.hpp"
#include "reports/report.hpp"
#include "runners/harness.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

// Step 1: the probe. It reports the value it is given, or nothing when told to forget it.
class EchoProbe final : public Probe {
 public:
  std::string Name() const override { return "echo"; }
  std::string Description() const override { return "test: reports the value it is given"; }
  Scope scope() const override { return Scope::kNode; }
  std::vector<ParamSpec> Parameters() const override {
    return {{"value", ParamType::kDouble, "1", "the value to report"},
            {"forget", ParamType::kBool, "false", "report nothing"}};
  }
  std::vector<MetricSpec> Metrics() const override { return {{"test.echo.value", "count", true, "the value"}}; }
  std::optional<std::string> CheckSupported(const ProbeContext&) const override { return std::nullopt; }
  ProbeOutcome Run(ProbeContext& ctx) override {
    ProbeOutcome outcome;
    if (ctx.params.Bool("forget")) return outcome;
    outcome.measurements.push_back(MakeMeasurement(Name(), "test.echo.value", "count", Subject::Node(ctx.node),
                                                   {ctx.params.Double("value")}, true, "given"));
    return outcome;
  }
};

struct EchoRun {
  testing::TempDir dir;
  ProbeRegistry registry;
  BaselineChoice baseline;

  EchoRun() {
    registry.Add(std::make_unique<EchoProbe>());  // step 2: registered like every other probe
    std::string path = dir.Write("echo.xml", R"(<baseline sku="echo" version="2">
  <gpu model="none"/>
  <expect metric="test.echo.value" rule="min" value="5" basis="policy" source="test floor"/>
</baseline>)");
    baseline.catalog.push_back(LoadBaseline(path, registry.AllMetrics()));  // step 4: a rule with basis and source
  }
  int runs = 0;
  nlohmann::json Run(const std::string& params) {
    Suite suite = LoadSuite(dir.Write("suite.xml", R"(<suite name="echo" version="1">
  <phase name="node"><step probe="echo" timeout="10s">)" + params + R"(</step></phase>
</suite>)"), registry);
    RunOptions options;
    options.out_dir = (dir.path() / fmt::format("out{}", ++runs)).string();  // a fresh folder per run
    options.quiet = true;
    HarnessResult result = RunHarness(std::make_shared<LocalCommunicator>(), suite, baseline, registry, options);
    return LoadReport(result.report_path);
  }
};

std::string OutcomeOf(const nlohmann::json& report, const std::string& metric) {
  for (const auto& v : report["verdicts"]) {
    if (v["metric"] == metric) return v["outcome"].get<std::string>() + ": " + v["reason"].get<std::string>();
  }
  return "no verdict";
}

TEST(NewProbeChecklist, ATrivialProbeIsRunAndJudgedLikeEveryOther) {
  EchoRun run;
  EXPECT_TRUE(OutcomeOf(run.Run(R"(<param name="value" value="7"/>)"), "test.echo.value").starts_with("pass"));
  EXPECT_TRUE(OutcomeOf(run.Run(R"(<param name="value" value="3"/>)"), "test.echo.value").starts_with("fail"));
  std::string silent = OutcomeOf(run.Run(R"(<param name="forget" value="true"/>)"), "test.echo.value");
  EXPECT_TRUE(silent.starts_with("fail")) << silent;
  EXPECT_NE(silent.find("not measured: echo ran but reported no test.echo.value"), std::string::npos) << silent;
}

}  // namespace
}  // namespace kiln

#include "probes/sleep/stall_probe.hpp"

#include <chrono>
#include <set>

#include "core/communicator.hpp"
#include "probes/sleep/sleep_probe.hpp"

namespace kiln {
namespace {

class StallProbe final : public Probe {
 public:
  std::string Name() const override { return "stall"; }
  std::string Description() const override {
    return "diagnostic: the group meets in a barrier, one node late (or never): checks the watchdog of collectives";
  }
  Scope scope() const override { return Scope::kGroup; }
  std::vector<ParamSpec> Parameters() const override {
    return {
        {"duration", ParamType::kDuration, "1s", "how long the late node sleeps before the barrier"},
        {"only_on", ParamType::kString, "", "the late node; empty = none"},
        {"ignore_stop", ParamType::kBool, "false", "behave like a hung node: ignore the timeout's stop"},
    };
  }
  std::vector<MetricSpec> Metrics() const override {
    return {{"diag.stall.elapsed", "s", false, "time until the whole group had met"}};
  }
  std::optional<std::string> CheckSupported(const ProbeContext&) const override { return std::nullopt; }

  ProbeOutcome Run(ProbeContext& ctx) override {
    auto start = std::chrono::steady_clock::now();
    if (ctx.node == ctx.params.String("only_on")) {
      DiagnosticSleep(ctx, ctx.params.Duration("duration"), ctx.params.Bool("ignore_stop"));
    }
    ctx.comm->Barrier();
    Seconds waited = std::chrono::steady_clock::now() - start;
    ProbeOutcome outcome;
    if (ctx.comm->Rank() == 0) {
      std::set<std::string> nodes(ctx.members.begin(), ctx.members.end());
      outcome.measurements.push_back(MakeMeasurement(Name(), "diag.stall.elapsed", "s", Subject::Group({nodes.begin(), nodes.end()}),
                                                     {waited.count()}, false, "wall clock, rank 0"));
    }
    return outcome;
  }
};

}  // namespace

std::unique_ptr<Probe> MakeStallProbe() { return std::make_unique<StallProbe>(); }

}  // namespace kiln

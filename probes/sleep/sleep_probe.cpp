#include "probes/sleep/sleep_probe.hpp"

#include <fmt/format.h>

#include <chrono>
#include <thread>

#include "core/errors.hpp"

namespace kiln {
namespace {

class SleepProbe final : public Probe {
 public:
  std::string Name() const override { return "sleep"; }
  ProbeTraits Traits() const override { return {.failure_category = "software"}; }
  std::string Description() const override {
    return "diagnostic: sleeps for a while on every node (or one) to check launches and timeouts";
  }
  Scope scope() const override { return Scope::kNode; }
  std::vector<ParamSpec> Parameters() const override {
    return {
        {"duration", ParamType::kDuration, "1s", "how long to sleep"},
        {"only_on", ParamType::kString, "", "node name to sleep on; empty = every node"},
        {"ignore_stop", ParamType::kBool, "false", "behave like a hung probe: ignore the timeout's stop"},
    };
  }
  std::vector<MetricSpec> Metrics() const override {
    return {{"diag.sleep.elapsed", "s", false, "time actually slept"}};
  }
  std::optional<std::string> CheckSupported(const ProbeContext&) const override { return std::nullopt; }

  ProbeOutcome Run(ProbeContext& ctx) override {
    const std::string& only_on = ctx.params.String("only_on");
    auto duration = ctx.params.Duration("duration");
    if (!only_on.empty() && only_on != ctx.node) duration = Seconds(0);
    auto start = std::chrono::steady_clock::now();
    DiagnosticSleep(ctx, duration, ctx.params.Bool("ignore_stop"));
    Seconds slept = std::chrono::steady_clock::now() - start;
    ProbeOutcome outcome;
    outcome.measurements.push_back(MakeMeasurement(Name(), "diag.sleep.elapsed", "s", Subject::Node(ctx.node),
                                                   {slept.count()}, false, "wall clock"));
    return outcome;
  }
};

}  // namespace

std::unique_ptr<Probe> MakeSleepProbe() { return std::make_unique<SleepProbe>(); }

void DiagnosticSleep(const ProbeContext& ctx, Seconds duration, bool ignore_stop) {
  auto end = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(duration);
  while (std::chrono::steady_clock::now() < end) {
    if (!ignore_stop && ctx.stop.stop_requested()) throw ProbeError("stopped: the step ran past its timeout");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace kiln

#include "probes/common/collective_sweep.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "core/errors.hpp"
#include "core/units.hpp"

namespace kiln {

std::vector<ParamSpec> SizeSweepParameters(const std::string& default_sizes, const std::string& sizes_help) {
  return {
      {"sizes", ParamType::kByteList, default_sizes, sizes_help, "size"},
      {"warmup", ParamType::kInt, "2", "untimed iterations per size"},
      {"samples", ParamType::kInt, "5", "timed samples per size"},
      {"sample_time", ParamType::kDuration, "100ms", "aim for this much time per sample"},
      {"max_iterations", ParamType::kInt, "100", "most iterations in one sample"},
  };
}

Seconds SizeSweepAskedTime(const Parameters& p) {
  return static_cast<double>(p.ByteList("sizes").size() * static_cast<std::size_t>(p.Int("samples") + 1)) *
         p.Duration("sample_time");
}

SweepOptions SizeSweepOptions(const Parameters& p) {
  SweepOptions options;
  options.sizes = p.ByteList("sizes");
  options.warmup = static_cast<int>(p.Int("warmup"));
  options.samples = static_cast<int>(p.Int("samples"));
  options.sample_seconds = p.Duration("sample_time").count();
  options.max_iterations = static_cast<int>(p.Int("max_iterations"));
  return options;
}

double WarmUp(const std::function<double(int iterations)>& time_iterations, int warmup,
              const std::function<bool(double seconds, int iterations)>& stop_before) {
  constexpr double kWarmUpSeconds = 0.005;
  constexpr int kMostPasses = 3;
  auto stop = [&](double seconds, int iterations) { return stop_before && stop_before(seconds, iterations); };
  // One call first: at a new size nothing says how long a call takes, and a slow network can make it seconds.
  double estimate = time_iterations(1);
  if (warmup > 1) {
    if (stop(estimate, warmup - 1)) return estimate;
    estimate = time_iterations(warmup - 1);
  }
  // The first calls of a size are cold (connections, protocol switches, pages): an estimate from them alone
  // sized 1 MiB samples at 1/30 of their time. Passes of 5 ms follow until one is no faster than half the one
  // before. Every rank gets the same estimate (the slowest rank's), so all agree on the counts.
  for (int pass = 0; pass < kMostPasses; ++pass) {
    int iterations = collective::IterationsForTarget(estimate, kWarmUpSeconds, 100000);
    if (stop(estimate, iterations)) return estimate;
    double next = time_iterations(iterations);
    bool settled = next > estimate / 2;
    estimate = next;
    if (settled) break;
  }
  return estimate;
}

namespace {

Subject GroupOf(const std::vector<std::string>& members) {
  std::set<std::string> unique(members.begin(), members.end());
  return Subject::Group({unique.begin(), unique.end()});
}

}  // namespace

CollectiveSweep::CollectiveSweep(SweepGroup& group, ProbeContext& ctx, SweepClock clock)
    : group_(group), ctx_(ctx), clock_(clock), pacer_(group, ctx, "call", 1.5, clock), subject_(GroupOf(ctx.members)) {}

bool CollectiveSweep::Run(SweepCollective& collective, const SweepSpec& spec, const SweepOptions& options,
                          ProbeOutcome& outcome) {
  if (options.samples < 1) throw ProbeError("samples must be at least 1");
  const int warmup = std::max(1, options.warmup);
  pacer_.Begin(spec.operation);
  for (std::uint64_t size : options.sizes) {
    const SizePlan plan = collective.Plan(size);
    if (plan.fit == SizePlan::Fit::kSkip) continue;
    if (plan.fit == SizePlan::Fit::kEndSweep) break;
    if (pacer_.stopped() || pacer_.StopBeforeSize(size, warmup + options.samples)) return false;
    ctx_.progress->Say(fmt::format("{}size {}", spec.progress, FormatBytes(size)));
    collective.Prepare(plan);
    const Samples samples = Measure(collective, plan, spec, options);
    if (samples.times.empty()) return false;
    pacer_.Measured(size, *std::max_element(samples.times.begin(), samples.times.end()) / 1e6);
    ++measured_;
    // The output of the last timed call, checked element by element on every rank.
    const std::int64_t wrong = group_.SumOnRoot(collective.CountWrong());
    if (group_.Rank() == 0) Record(plan, spec, samples, warmup, wrong, outcome);
  }
  return !pacer_.stopped();
}

CollectiveSweep::Samples CollectiveSweep::Measure(SweepCollective& collective, const SizePlan& plan,
                                                  const SweepSpec& spec, const SweepOptions& options) {
  // Warm-up (TCP connects lazily), and a time estimate every rank agrees on.
  const double estimate = WarmUp([&](int n) { return group_.MaxSeconds(collective.TimeIterations(n)); },
                                 std::max(1, options.warmup),
                                 [&](double seconds, int n) { return pacer_.StopBeforeSample(seconds, n); });
  Samples samples;
  samples.iterations = options.sample_seconds > 0
                           ? collective::IterationsForTarget(estimate, options.sample_seconds, options.max_iterations)
                           : std::max(1, options.max_iterations);
  const double factor = collective::BusBandwidthFactor(spec.collective, group_.Size());
  const double pad_per_call = options.pad_seconds / samples.iterations;
  for (int s = 0; s < options.samples; ++s) {
    if (pacer_.stopped() || pacer_.StopBeforeSample(estimate + pad_per_call, samples.iterations)) break;
    collective.ClearOutput();
    const double seconds = TimeSample(collective, samples.iterations, options.pad_seconds);
    samples.times.push_back(seconds * 1e6);
    samples.algbw.push_back(collective::AlgorithmBandwidth(plan.bytes, seconds));
    samples.busbw.push_back(samples.algbw.back() * factor);
  }
  return samples;
}

double CollectiveSweep::TimeSample(SweepCollective& collective, int iterations, double pad_seconds) {
  double seconds = collective.TimeIterations(iterations);
  if (pad_seconds > 0) {  // waited inside the timed span: a sample of known length
    const auto start = clock_.now();
    clock_.sleep(pad_seconds);
    seconds += std::chrono::duration<double>(clock_.now() - start).count() / iterations;
  }
  return group_.MaxSeconds(seconds);
}

void CollectiveSweep::Record(const SizePlan& plan, const SweepSpec& spec, const Samples& samples, int warmup,
                             std::int64_t wrong, ProbeOutcome& outcome) const {
  std::map<std::string, std::string> labels = spec.labels;
  labels["size"] = plan.label;
  const std::string method = fmt::format(
      "{} ranks{}; {} samples of {} iterations after a warm-up of {} iterations and at least 5 ms; time of the "
      "slowest rank; busbw = algbw x {}{}",
      group_.Size(), plan.detail, samples.times.size(), samples.iterations, warmup,
      collective::BusBandwidthFormula(spec.collective), spec.method_notes);
  auto add = [&](const char* metric, const char* unit, std::vector<double> values, bool higher, std::string how) {
    outcome.measurements.push_back(MakeMeasurement(spec.probe, spec.family + "." + metric, unit, subject_,
                                                   std::move(values), higher, std::move(how), labels));
  };
  add("busbw", "GB/s", samples.busbw, true, method);
  add("algbw", "GB/s", samples.algbw, true, method);
  add("time", "us", samples.times, false, method);
  add("wrong_elements", "count", {static_cast<double>(wrong)}, false, spec.wrong_method);
}

void CollectiveSweep::Finish(std::size_t asked_sizes, ProbeOutcome& outcome) const {
  if (!pacer_.stopped()) return;
  if (pacer_.stop_requested()) throw ProbeError("stopped: the step ran past its timeout");
  if (measured_ == 0) {
    throw ProbeError(fmt::format("too slow for one sample before the step's timeout: {}", pacer_.why()));
  }
  outcome.reason = fmt::format("slow, not hung: {} of {} sizes measured before the step's timeout; {}", measured_,
                               asked_sizes, pacer_.why());
}

}  // namespace kiln

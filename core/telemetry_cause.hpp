#pragma once
// Why a GPU performance verdict failed or warned, from the telemetry its probe recorded on the same GPU:
// power against the limit, SM clock against its maximum, throttle reasons by kind, temperature. "At the 700 W
// power limit in 94% of samples, SM clock 1560 of 1980 MHz, no HW slowdown: power-limited, not a fault".

#include <string>
#include <vector>

#include "core/measurement.hpp"
#include "core/probe.hpp"
#include "core/verdict.hpp"

namespace kiln {

// The cause line for `subject` (a GPU) from the series `series` names, read over the samples of `phase` (the
// value of series.phase_label, "bf16": taken while that type ran) when they were recorded, else over the whole run;
// "" when no telemetry of it was recorded.
std::string TelemetryCause(const CauseSeries& series, const Subject& subject, const std::string& phase,
                           const std::vector<Measurement>& measurements);

// Sets Verdict::cause on every failing or warning device verdict on a metric whose probe declares a cause
// (ProbeTraits::cause in `catalog`), read over the phase of the measurement the verdict judged.
void AttachCauses(std::vector<Verdict>& verdicts, const std::vector<Measurement>& measurements,
                  const ProbeCatalog& catalog);

}  // namespace kiln

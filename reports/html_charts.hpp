#pragma once
// The report page's inline SVG charts. Each draws its numbers against what they were judged by: every rule's
// fail bound (red, dashed), warn bound (amber, dashed) and reference (grey), on axes with readable ticks, a log
// scale where values span orders of magnitude, and a legend wherever a colour stands for something.

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/measurement.hpp"
#include "core/verdict.hpp"
#include "reports/chart_axes.hpp"

namespace kiln {

// The worst outcome of one (series, subject) and the marks of the rules that judged it.
struct Judgement {
  Outcome worst = Outcome::kPass;
  bool judged = false;
  ChartMarks marks;
};
using Judgements = std::map<std::pair<std::string, std::string>, Judgement>;  // (series, subject key)

Judgements CollectJudgements(const std::vector<Verdict>& verdicts);

// A series' labels as people read them, values only, less `skip`: "bf16", "h2d 4MiB" (not "{type=bf16}").
std::string LabelValues(const Measurement& m, const std::string& skip = "");

// Horizontal bars (median, min..max whisker), one row per measurement, each row with its own marks.
std::string BarChart(const std::string& title, const std::vector<std::pair<std::string, Measurement>>& rows,
                     const Judgements& judgements);
// Values against message size: one line per series (collective, subject) with a legend, log2 size axis.
// Empty when there are fewer than two sizes or more lines than a legend can name (then bars say it better).
std::string SizeChart(const std::string& metric, const std::vector<Measurement>& ms, const Judgements& judgements);
// A matrix of "a->b" device cells or node pairs (row = source, column = destination), with a colour scale in
// the measurements' unit.
std::string HeatMap(const std::vector<Measurement>& ms);

// Samples taken at a fixed interval ("NVML every 1s", "TFLOPS per 1s sample"), enough of them to show a course.
bool IsTimeSeries(const Measurement& m);
// Each measurement's samples in the order taken, one line each, against seconds from its start.
std::string TimeSeriesChart(const std::string& metric, const std::vector<Measurement>& ms,
                            const Judgements& judgements);

}  // namespace kiln

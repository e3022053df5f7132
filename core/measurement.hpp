#pragma once
// One measured quantity: its samples, their summary, and how it was measured.

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

#include "core/statistics.hpp"
#include "core/subject.hpp"

namespace kiln {

struct Measurement {
  std::string probe;
  std::string metric;  // lowercase dotted family.metric: host.stream.triad_bw
  std::string unit;    // "GB/s", "us", "count", "GiB"
  Subject subject;
  std::map<std::string, std::string> labels;  // what varies within a metric: size, kernel
  std::vector<double> samples;
  Summary summary;
  bool higher_is_better = true;
  std::string method;  // how it was measured, in words: "median of 10 timed passes of 2x256MiB"
  // Why this value cannot accuse anyone ("contended: the threads ran 12% of the time"); "" when it can. A rule
  // it breaks warns instead of failing.
  std::string unreliable;

  // The value rules judge: the median of the samples.
  double value() const { return summary.median; }
  // metric plus labels: "mpi.allreduce.busbw{size=256MiB}"; identifies a series across subjects.
  std::string SeriesKey() const;
};

// "metric{name=value,...}", or the metric alone without labels: how a series is named everywhere.
std::string SeriesKey(const std::string& metric, const std::map<std::string, std::string>& labels);

// Builds a measurement and its summary; throws std::invalid_argument on no or non-finite samples.
Measurement MakeMeasurement(std::string probe, std::string metric, std::string unit, Subject subject,
                            std::vector<double> samples, bool higher_is_better, std::string method,
                            std::map<std::string, std::string> labels = {});

void to_json(nlohmann::json& j, const Measurement& m);
void from_json(const nlohmann::json& j, Measurement& m);

}  // namespace kiln

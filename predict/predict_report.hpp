#pragma once
// The human report of `kiln predict`: the nodes at risk, each with its first and last alert and the evidence of
// each rule that fired, and the score when there were labels.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "predict/alert.hpp"
#include "predict/replay.hpp"
#include "predict/scoring.hpp"

namespace kiln::predict {

struct ReplaySummary {
  std::string path;
  std::size_t samples = 0, series = 0, nodes = 0;
  long long ignored_lines = 0;
};

// One series behind an alert, as sampled, for the HTML report's chart.
struct EvidenceSeries {
  std::string node, metric, device;
  std::vector<std::pair<std::int64_t, double>> points;  // time order
};

// The series named by the alerts' evidence (node, metric, device), taken from the replay.
std::vector<EvidenceSeries> CollectEvidence(const Replay& replay, const std::vector<Alert>& alerts);

std::string RenderScoreLine(const Score& score);
std::string RenderPredictText(const ReplaySummary& replay, const std::vector<Alert>& alerts, const Score* score);
// Per node at risk: its evidence in words and each evidence series drawn, the alerts marked on it.
std::string RenderPredictHtml(const ReplaySummary& replay, const std::vector<Alert>& alerts, const Score* score,
                              const std::vector<EvidenceSeries>& evidence = {});

}  // namespace kiln::predict

#pragma once
// The human report of `kiln predict`: the nodes at risk, each with its first and last alert and the evidence of
// each rule that fired, and the score when there were labels.

#include <string>
#include <vector>

#include "predict/alert.hpp"
#include "predict/scoring.hpp"

namespace kiln::predict {

struct ReplaySummary {
  std::string path;
  std::size_t samples = 0, series = 0, nodes = 0;
  long long ignored_lines = 0;
};

std::string RenderScoreLine(const Score& score);
std::string RenderPredictText(const ReplaySummary& replay, const std::vector<Alert>& alerts, const Score* score);
std::string RenderPredictHtml(const ReplaySummary& replay, const std::vector<Alert>& alerts, const Score* score);

}  // namespace kiln::predict

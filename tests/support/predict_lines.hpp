#pragma once
// One node's replay (node gn1), line by line in any order, for the predictor's tests: sorted and predicted at the end.

#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <vector>

#include "predict/predictor.hpp"
#include "predict/replay.hpp"

namespace kiln::testing {

class PredictLines {
 public:
  // `labels`: a JSON object, e.g. {"gpu": "0"}.
  void Add(std::int64_t t, const std::string& metric, const std::string& labels, double value) {
    replay_.AddLine(fmt::format(R"({{"t": {}, "node": "gn1", "metric": "{}", "labels": {}, "value": {}}})", t, metric,
                                labels, value),
                    "case", ++line_);
  }
  std::vector<predict::Alert> Alerts(const predict::PredictorOptions& options = {}) {
    replay_.Sort();
    return predict::Predict(replay_, options);
  }

 private:
  predict::Replay replay_;
  int line_ = 0;
};

}  // namespace kiln::testing

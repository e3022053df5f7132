#include "runners/rank_report.hpp"

namespace kiln {

using nlohmann::json;

void to_json(json& j, const RankReport& r) {
  j = json{{"subject", r.result.subject}, {"node", r.result.node},   {"rank", r.result.rank},
           {"status", r.result.status},   {"reason", r.result.reason}, {"elapsed_s", r.result.elapsed_s},
           {"measurements", r.measurements}, {"inventory", r.inventory}};
}

void from_json(const json& j, RankReport& r) {
  r.result.subject = j.at("subject").get<Subject>();
  r.result.node = j.at("node").get<std::string>();
  r.result.rank = j.at("rank").get<int>();
  r.result.status = j.at("status").get<StepStatus>();
  r.result.reason = j.at("reason").get<std::string>();
  r.result.elapsed_s = j.at("elapsed_s").get<double>();
  r.measurements = j.at("measurements").get<std::vector<Measurement>>();
  r.inventory = j.at("inventory");
}

bool IsQuietSuccess(const RankReport& r) { return r.result.status == StepStatus::kMeasured && r.measurements.empty(); }

}  // namespace kiln

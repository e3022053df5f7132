#include "predict/alert.hpp"

#include <utility>

namespace kiln::predict {

using nlohmann::json;

Alert Candidate(std::string risk, std::string device, std::string rule, std::string reason, json evidence) {
  Alert alert;
  alert.risk = std::move(risk);
  alert.device = std::move(device);
  alert.rule = std::move(rule);
  alert.reason = std::move(reason);
  alert.evidence = std::move(evidence);
  return alert;
}

json AlertToJson(const Alert& alert) {
  json labels = json::object();
  std::size_t start = 0;
  while (start < alert.device.size()) {
    std::size_t end = alert.device.find(',', start);
    if (end == std::string::npos) end = alert.device.size();
    std::string pair = alert.device.substr(start, end - start);
    std::size_t equals = pair.find('=');
    if (equals != std::string::npos) labels[pair.substr(0, equals)] = pair.substr(equals + 1);
    start = end + 1;
  }
  return {{"t", alert.t},       {"node", alert.node}, {"risk", alert.risk},        {"reason", alert.reason},
          {"rule", alert.rule}, {"labels", labels},   {"evidence", alert.evidence}};
}

}  // namespace kiln::predict

#pragma once
// One early warning: at t, this node (and device) is at risk, and why. One line of alerts.jsonl.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace kiln::predict {

struct Alert {
  std::int64_t t = 0;
  std::string node;
  std::string risk;    // gpu | link | node
  std::string device;  // the series' identifying labels, "gpu=3" or "device=mlx5_0,port=1"; empty for the node
  std::string rule;    // which rule fired: ecc, remap, pcie, xid, cooling, ib_*, bursts, steep, onset, nvlink, ...
  std::string reason;  // the evidence in words
  nlohmann::json evidence = nlohmann::json::object();
};

// An alert not yet placed (t and node come when the predictor raises it).
Alert Candidate(std::string risk, std::string device, std::string rule, std::string reason, nlohmann::json evidence);

// {"t", "node", "risk", "reason", "rule", "labels": {...}, "evidence": {...}}
nlohmann::json AlertToJson(const Alert& alert);
}  // namespace kiln::predict

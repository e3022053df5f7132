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
  std::string rule;    // which rule fired: ecc, remap, pcie, xid, cooling, ib_symbol, ib_flap, ib_errors
  std::string reason;  // the evidence in words
  nlohmann::json evidence = nlohmann::json::object();
};

// {"t", "node", "risk", "reason", "rule", "labels": {...}, "evidence": {...}}
nlohmann::json AlertToJson(const Alert& alert);
}  // namespace kiln::predict

#pragma once
// The HTML of the report's optional sections: a burn-in (iterations, who failed how often, each series over
// time) and a bisection (every round: what ran, on whom, what it concluded).

#include <nlohmann/json.hpp>

#include <string>

namespace kiln {

std::string BurnInSection(const nlohmann::json& burnin);
std::string BisectionTrail(const nlohmann::json& bisection);
// nccl-tests' table for each collective sweep (NCCL and MPI all-reduce) per subject: size, time, algbw, busbw,
// wrong elements, one row per size.
std::string CollectiveTables(const nlohmann::json& report);

}  // namespace kiln

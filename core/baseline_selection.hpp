#pragma once
// Which baseline and node shape judge a run: the one named (--baseline SKU|FILE, --shape), or, with
// --baseline auto, the one whose GPU and shape fit what the health probe found on every node. A cluster whose
// nodes differ, a GPU no baseline is for, or a node no shape fits, fails with what was found.

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "core/baseline.hpp"
#include "core/node_facts.hpp"
#include "core/verdict.hpp"

namespace kiln {

struct BaselineChoice {
  bool automatic = false;
  std::vector<Baseline> catalog;  // auto: every baseline to choose from; otherwise exactly the one named
  std::string requested_shape;    // --shape; empty: the baseline's default, else the shape that fits
  // Stable text naming this choice (a burn-in resumes only with the same one): "auto" or the file's SHA-256,
  // with the shape.
  std::string Identity() const;
};

struct BaselineSelection {
  const Baseline* baseline = nullptr;  // points into the choice's catalog; nullptr when none could be chosen
  const NodeShape* shape = nullptr;
  std::vector<Verdict> problems;       // failures of the choice itself, naming what was found
  nlohmann::json record;               // for the report: mode, what was detected, what was chosen and why
};

BaselineSelection SelectBaseline(const BaselineChoice& choice, const std::vector<NodeFacts>& nodes);

// The shape of `baseline` that `facts` fits (the same GPUs and NVLinks per GPU, at least its InfiniBand ports;
// of several, the one expecting the most ports), or nullptr.
const NodeShape* FittingShape(const Baseline& baseline, const NodeFacts& facts);

}  // namespace kiln

#pragma once
// What a node is, judged once per node: against the declared node shape (GPUs, NVLinks, InfiniBand ports) and
// against the GPU models the baseline is for. A mismatch fails the node, naming what was declared and found.

#include <string>

#include "core/baseline.hpp"
#include "core/node_facts.hpp"
#include "core/verdict.hpp"

namespace kiln {

// The verdict of a node against a declared shape: pass, or fail naming every difference.
Verdict JudgeShape(const NodeShape& shape, const NodeFacts& facts);

// The verdict of a node against the GPU models a baseline is for ("none": hosts without GPUs): every GPU found
// must be one of them, whatever chose the baseline (--baseline auto or a name); a mismatch names both.
Verdict JudgeGpuModel(const Baseline& baseline, const NodeFacts& facts);
std::string GpuModelRule(const Baseline& baseline);
std::string GpuModelRuleId(const Baseline& baseline);

}  // namespace kiln

#pragma once
// What every rendering says about the baseline besides the verdicts: which one judged the run and why (what
// was detected, the node shape), and the expectations the run could not check at all.

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace kiln {

// The baseline as the run used it, by its own file and bytes: "h200-sxm-141gb (file site-h200.xml, sha256
// 393a88a377b6)". An edited copy that kept the shipped SKU is told apart by its file name and hash. "?" for none.
std::string BaselineIdentity(const nlohmann::json& report);

// "h200-sxm-141gb, auto (GPU 'NVIDIA H200' found); node shape 1gpu: 1 GPU, no NVLink, no InfiniBand (fits what
// was found); detected: 1 x NVIDIA H200, no NVLink, no InfiniBand port (vm)". Empty for reports without it.
std::string DescribeBaselineChoice(const nlohmann::json& report);

// "nccl.busbw{...} min 431 GB/s (baselines/h200.xml:40): the suite has no step of nccl", one per expectation.
std::vector<std::string> NotCheckedLines(const nlohmann::json& report);

}  // namespace kiln

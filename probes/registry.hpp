#pragma once
// The explicit list of probes (no static registration: static libraries drop such objects at link time).

#include <memory>
#include <string>
#include <vector>

#include "core/judgement.hpp"
#include "core/probe.hpp"

namespace kiln {

class ProbeRegistry {
 public:
  // Every probe this build has; GPU probes are listed only when built with CUDA.
  static ProbeRegistry Default();

  void Add(std::unique_ptr<Probe> probe);
  Probe* Find(const std::string& name) const;  // nullptr when unknown
  const std::vector<std::unique_ptr<Probe>>& probes() const { return probes_; }
  std::vector<std::string> Names() const;
  std::vector<MetricSpec> AllMetrics() const;
  // Each probe with its scope and metrics: what the judgement needs to know which step a rule depends on.
  ProbeCatalog Catalog() const;

 private:
  std::vector<std::unique_ptr<Probe>> probes_;
};

}  // namespace kiln

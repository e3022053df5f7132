#include "core/probe.hpp"

namespace kiln {

std::string_view ToString(Scope scope) {
  switch (scope) {
    case Scope::kNode: return "node";
    case Scope::kPair: return "pair";
    case Scope::kGroup: return "group";
  }
  return "node";
}

Seconds Probe::AskedTime(const kiln::Parameters& params) const {
  for (const ParamSpec& spec : Parameters()) {
    if (spec.name == "duration") return params.Duration("duration");
  }
  return Seconds(0);
}

const ProbeInfo* FindProbe(const ProbeCatalog& catalog, std::string_view probe) {
  for (const ProbeInfo& info : catalog) {
    if (info.probe == probe) return &info;
  }
  return nullptr;
}

}  // namespace kiln

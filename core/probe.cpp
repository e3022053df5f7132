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

}  // namespace kiln

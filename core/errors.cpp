#include "core/errors.hpp"

#include <cstring>

namespace kiln {

void ThrowSystemError(int error_number, const std::string& what) {
  throw RunError(fmt::format("{}: {}", what, std::strerror(error_number)));
}

}  // namespace kiln

#include "core/errors.hpp"

#include <fmt/format.h>

#include <cstring>

namespace kiln {

InputError::InputError(const std::string& file, int line, const std::string& message)
    : KilnError(kExitBadInput, line > 0 ? fmt::format("{}:{}: {}", file, line, message)
                                        : fmt::format("{}: {}", file, message)) {}

void ThrowSystemError(int error_number, const std::string& what) {
  throw RunError(fmt::format("{}: {}", what, std::strerror(error_number)));
}

}  // namespace kiln

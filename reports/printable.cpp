#include "reports/printable.hpp"

#include <fmt/format.h>

namespace kiln {

std::string Printable(std::string_view text, bool keep_newlines) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    bool control = byte < 0x20 || byte == 0x7f;
    if (control && !(keep_newlines && (c == '\n' || c == '\t'))) {
      out += fmt::format("\\x{:02x}", byte);
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace kiln

#include "reports/printable.hpp"

#include <fmt/format.h>

namespace kiln {
namespace {

// The length of the well-formed UTF-8 sequence at the start of `text` (RFC 3629, table 3-7 of Unicode), or 0.
std::size_t Utf8SequenceLength(std::string_view text) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char low = 0x80, high = 0xbf;  // the second byte's range
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead == 0xe0) low = 0xa0;   // overlong
    if (lead == 0xed) high = 0x9f;  // surrogates
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead == 0xf0) low = 0x90;   // overlong
    if (lead == 0xf4) high = 0x8f;  // past U+10FFFF
  } else {
    return 0;
  }
  if (text.size() < length || byte(1) < low || byte(1) > high) return 0;
  for (std::size_t i = 2; i < length; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xbf) return 0;
  }
  return length;
}

void AppendEscaped(std::string& out, std::string_view bytes) {
  for (char c : bytes) out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
}

}  // namespace

std::string Printable(std::string_view text, bool keep_newlines) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    std::size_t length = Utf8SequenceLength(text);
    std::string_view sequence = text.substr(0, length == 0 ? 1 : length);
    auto lead = static_cast<unsigned char>(sequence[0]);
    bool c0 = length == 1 && (lead < 0x20 || lead == 0x7f) && !(keep_newlines && (lead == '\n' || lead == '\t'));
    // U+0080..U+009F (0xc2 0x80..0x9f): C1 controls; some terminals take U+009B as CSI, the start of a command.
    bool c1 = length == 2 && lead == 0xc2 && static_cast<unsigned char>(sequence[1]) <= 0x9f;
    if (length == 0 || c0 || c1) {
      AppendEscaped(out, sequence);
    } else {
      out += sequence;
    }
    text.remove_prefix(sequence.size());
  }
  return out;
}

bool IsValidUtf8(std::string_view text) {
  while (!text.empty()) {
    std::size_t length = Utf8SequenceLength(text);
    if (length == 0) return false;
    text.remove_prefix(length);
  }
  return true;
}

}  // namespace kiln

#pragma once

#include <string>

namespace kiln {

// Text safe inside HTML elements and quoted attributes: & < > " ' are replaced by entities.
std::string EscapeHtml(const std::string& text);

namespace html {
// The short name the HTML writers use where markup and text interleave: fmt::format("<td>{}</td>", E(name)).
inline std::string E(const std::string& text) { return EscapeHtml(text); }
}  // namespace html

}  // namespace kiln

#pragma once

#include <string>

#include "reports/printable.hpp"

namespace kiln {

// Text safe inside HTML elements and quoted attributes: & < > " ' are replaced by entities.
std::string EscapeHtml(const std::string& text);

namespace html {
// The short name the HTML writers use where markup and text interleave: fmt::format("<td>{}</td>", E(name)).
// Printable first: node names, reasons and paths come from nodes and files, and a control character (an ESC in a
// crafted hostname) must reach report.html as visible \xNN text, as it reaches the terminal; newlines stay (<pre>).
inline std::string E(const std::string& text) { return EscapeHtml(Printable(text, true)); }
}  // namespace html

}  // namespace kiln

#pragma once

#include <string>

namespace kiln {

// Text safe inside HTML elements and quoted attributes: & < > " ' are replaced by entities.
std::string EscapeHtml(const std::string& text);

}  // namespace kiln

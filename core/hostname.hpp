#pragma once

#include <string>

namespace kiln {

// This machine's hostname (gethostname); "localhost" when it cannot be read.
std::string LocalHostname();

}  // namespace kiln

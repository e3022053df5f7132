#include "core/hostname.hpp"

#include <unistd.h>

namespace kiln {

std::string LocalHostname() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "localhost";
  return name;
}

}  // namespace kiln

#pragma once
// Open MPI hostfiles: "host [slots=N] [max_slots=N]" per line, '#' comments.

#include <string>
#include <vector>

namespace kiln {

struct HostEntry {
  std::string name;
  int slots = 1;
  int line = 0;
};

// Throws InputError naming the file and line for a repeated host, a bad slots value or unknown words.
std::vector<HostEntry> LoadHostfile(const std::string& path);
std::vector<HostEntry> ParseHostfile(const std::string& text, const std::string& path);

}  // namespace kiln

#include "probes/common/system_files.hpp"

#include <fstream>
#include <sstream>

namespace kiln {

std::optional<std::string> ReadFirstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) return std::nullopt;
  return line;
}

std::optional<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::optional<std::uint64_t> MeminfoBytes(const Environment& env, const std::string& key) {
  std::ifstream in(env.procfs_root + "/meminfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) != 0) continue;
    std::istringstream fields(line.substr(key.size() + 1));
    std::uint64_t kib = 0;
    if (fields >> kib) return kib * 1024;
  }
  return std::nullopt;
}

std::uint64_t AvailableMemoryBytes(const Environment& env) {
  return MeminfoBytes(env, "MemAvailable").value_or(0);
}

}  // namespace kiln

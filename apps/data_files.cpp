#include "apps/data_files.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <set>

#include "core/errors.hpp"

namespace kiln {

std::vector<std::string> DataDirectories() {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("KILN_DATA_DIR"); env != nullptr && *env != '\0') dirs.push_back(env);
  std::error_code error;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error) dirs.push_back((exe.parent_path().parent_path() / "share" / "kiln").string());
  dirs.push_back(KILN_SOURCE_DIR);
  return dirs;
}

std::string ResolveDataFile(const std::string& kind, const std::string& name_or_path) {
  std::error_code error;
  if (std::filesystem::is_regular_file(name_or_path, error) || name_or_path.ends_with(".xml") ||
      name_or_path.find('/') != std::string::npos) {
    return name_or_path;  // a path: the loader names it if it cannot be read
  }
  std::string tried;
  for (const std::string& dir : DataDirectories()) {
    std::string candidate = fmt::format("{}/{}/{}.xml", dir, kind, name_or_path);
    if (std::filesystem::is_regular_file(candidate, error)) return candidate;
    tried += fmt::format("\n  {}", candidate);
  }
  throw InputError(fmt::format("no {} named '{}'; tried:{}\n(run `kiln list {}`)", kind, name_or_path, tried, kind));
}

std::vector<std::string> ListDataFiles(const std::string& kind) {
  std::set<std::string> names;
  std::error_code error;
  for (const std::string& dir : DataDirectories()) {
    for (const auto& entry : std::filesystem::directory_iterator(dir + "/" + kind, error)) {
      if (entry.path().extension() == ".xml") names.insert(entry.path().stem().string());
    }
  }
  return {names.begin(), names.end()};
}

}  // namespace kiln

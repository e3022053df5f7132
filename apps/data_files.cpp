#include "apps/data_files.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdlib>
#include <filesystem>
#include <set>

#include "core/errors.hpp"

namespace kiln {

namespace {

// Whether `path` lies inside `folder` (both made absolute and normal; no symbolic link followed).
bool Inside(const std::filesystem::path& path, const std::filesystem::path& folder) {
  std::string p = path.lexically_normal().string(), f = folder.lexically_normal().string();
  if (!f.ends_with('/')) f += '/';
  return p.starts_with(f);
}

}  // namespace

std::vector<std::string> DataDirectories() {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("KILN_DATA_DIR"); env != nullptr && *env != '\0') dirs.push_back(env);
  std::error_code error;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) return dirs;
  dirs.push_back((exe.parent_path().parent_path() / "share" / "kiln").string());
  // The source tree only for the binary of its own build folder: an installed or copied kiln reads its prefix,
  // never a source tree that happens to sit at the path it was built from (docs: README, "Install on a cluster").
  if (Inside(exe, KILN_BUILD_DIR)) dirs.push_back(KILN_SOURCE_DIR);
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

std::string ResolveBaselineArgument(const std::string& name_or_path) {
  return name_or_path == "auto" ? name_or_path : ResolveDataFile("baselines", name_or_path);
}

BaselineChoice ChooseBaseline(const std::string& name_or_path, const std::string& shape,
                              const std::vector<MetricSpec>& known) {
  BaselineChoice choice;
  choice.requested_shape = shape;
  if (name_or_path != "auto") {
    choice.catalog.push_back(LoadBaseline(ResolveDataFile("baselines", name_or_path), known));
    if (!shape.empty() && !FindShape(choice.catalog.front(), shape)) {
      std::vector<std::string> names;
      for (const NodeShape& s : choice.catalog.front().shapes) names.push_back(s.name);
      throw InputError(fmt::format("--shape '{}': baseline {} declares {}", shape, choice.catalog.front().path,
                                   names.empty() ? std::string("no shapes") : fmt::format("{}", fmt::join(names, ", "))));
    }
    return choice;
  }
  choice.automatic = true;
  for (const std::string& name : ListDataFiles("baselines")) {
    Baseline baseline = LoadBaseline(ResolveDataFile("baselines", name), known);
    if (!baseline.gpu_models.empty()) choice.catalog.push_back(std::move(baseline));
  }
  if (choice.catalog.empty()) {
    throw InputError("--baseline auto: no baseline in the data folders declares the GPUs it is for (<gpu model=...>)");
  }
  return choice;
}

}  // namespace kiln

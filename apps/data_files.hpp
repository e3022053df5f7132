#pragma once
// Where suites and baselines named by their short name ("quick", "cpu-host") are found.

#include <string>
#include <vector>

#include "core/baseline_selection.hpp"

namespace kiln {

// Folders searched in order: $KILN_DATA_DIR, <executable>/../share/kiln (the install prefix), and, for the binary
// in the build folder only, the source tree it was built from.
std::vector<std::string> DataDirectories();

// `name_or_path` is a file path if it names an existing file or ends in .xml; otherwise
// <data>/<kind>/<name>.xml. Throws InputError listing what was tried.
std::string ResolveDataFile(const std::string& kind, const std::string& name_or_path);

// Short names of the files in <data>/<kind>/.
std::vector<std::string> ListDataFiles(const std::string& kind);

// --baseline as a launched job or a trial takes it: "auto" as it is, a short name as its file's path.
std::string ResolveBaselineArgument(const std::string& name_or_path);

// --baseline auto|SKU|FILE with --shape: auto loads every baseline of the data folders (the first of each
// name); a named one must declare the shape asked for. Throws InputError naming the file and line.
BaselineChoice ChooseBaseline(const std::string& name_or_path, const std::string& shape,
                              const std::vector<MetricSpec>& known);

}  // namespace kiln

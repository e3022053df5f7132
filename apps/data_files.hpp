#pragma once
// Where suites and baselines named by their short name ("quick", "cpu-host") are found.

#include <string>
#include <vector>

namespace kiln {

// Folders searched in order: $KILN_DATA_DIR, <executable>/../share/kiln, the source tree Kiln was built from.
std::vector<std::string> DataDirectories();

// `name_or_path` is a file path if it names an existing file or ends in .xml; otherwise
// <data>/<kind>/<name>.xml. Throws InputError listing what was tried.
std::string ResolveDataFile(const std::string& kind, const std::string& name_or_path);

// Short names of the files in <data>/<kind>/.
std::vector<std::string> ListDataFiles(const std::string& kind);

}  // namespace kiln

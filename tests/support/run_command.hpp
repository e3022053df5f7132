#pragma once
// Runs a command with a time limit and captures its output: for tests of the kiln binary.

#include <string>
#include <vector>

#include "core/subprocess.hpp"

namespace kiln::testing {

using CommandResult = ProcessResult;

inline CommandResult RunCommand(const std::vector<std::string>& argv, double timeout_seconds,
                                const std::vector<std::string>& extra_env = {}) {
  return RunProcess(argv, timeout_seconds, extra_env);
}

// The kiln binary and the source tree, as CMake passed them.
inline std::string KilnBinary() { return KILN_TEST_BINARY; }
inline std::string SourceDir() { return KILN_TEST_SOURCE_DIR; }

}  // namespace kiln::testing

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

// `kiln ARGS...` with a time limit.
inline CommandResult RunKiln(std::vector<std::string> args, double timeout_seconds = 120) {
  args.insert(args.begin(), KilnBinary());
  return RunCommand(args, timeout_seconds);
}

}  // namespace kiln::testing

#pragma once
// Runs a command (no shell) with a time limit and captures its output: for tests of the kiln binary.

#include <string>
#include <vector>

namespace kiln::testing {

struct CommandResult {
  int exit_code = -1;   // -1 when killed by the time limit or a signal
  bool timed_out = false;
  double seconds = 0;
  std::string output;   // stdout and stderr together
};

CommandResult RunCommand(const std::vector<std::string>& argv, double timeout_seconds,
                         const std::vector<std::string>& extra_env = {});

// The kiln binary and the source tree, as CMake passed them.
std::string KilnBinary();
std::string SourceDir();

}  // namespace kiln::testing

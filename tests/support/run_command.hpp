#pragma once
// Runs a command with a time limit and captures its output: for tests of the kiln binary.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/files.hpp"
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
// A report of a real GPU (tests/fixtures/real/NAME), and any JSON file as written.
inline std::string RealReportPath(const std::string& name) { return SourceDir() + "/tests/fixtures/real/" + name; }
inline nlohmann::json ReadJson(const std::string& path) { return nlohmann::json::parse(ReadFile(path)); }

// `kiln ARGS...` with a time limit.
inline CommandResult RunKiln(std::vector<std::string> args, double timeout_seconds = 120) {
  args.insert(args.begin(), KilnBinary());
  return RunCommand(args, timeout_seconds);
}

}  // namespace kiln::testing

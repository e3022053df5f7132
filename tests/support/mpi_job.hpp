// Starting kiln under mpirun in a test: the command line, and a job started without waiting for it (for tests that
// signal or freeze the job while it runs).
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <sys/types.h>

#include <string>
#include <vector>

#include "tests/support/run_command.hpp"

extern char** environ;

namespace kiln::testing {

// `mpirun -np RANKS kiln ARGS...`, ranks oversubscribed and unbound: each rank stands in for a node.
inline std::vector<std::string> Mpirun(int ranks, std::vector<std::string> kiln_args) {
  std::vector<std::string> argv{"mpirun", "--allow-run-as-root", "--oversubscribe", "-np", std::to_string(ranks),
                                "--bind-to", "none", KilnBinary()};
  argv.insert(argv.end(), kiln_args.begin(), kiln_args.end());
  return argv;
}

// Starts `argv` (searched on PATH) without waiting for it, its stderr into `stderr_path` when given; -1 if it could
// not start.
inline pid_t Spawn(std::vector<std::string> argv, const std::string& stderr_path = {}) {
  std::vector<char*> args;
  for (std::string& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (!stderr_path.empty()) {
    posix_spawn_file_actions_addopen(&actions, 2, stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  }
  pid_t pid = -1;
  int started = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return started == 0 ? pid : -1;
}

}  // namespace kiln::testing

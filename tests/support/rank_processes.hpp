#pragma once
// kiln under mpirun in a test: the command line, jobs started without waiting, and their ranks found by pid (for
// tests that signal or freeze a job while it runs).

#include <fcntl.h>
#include <spawn.h>
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/files.hpp"
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

// The pid of the kiln rank `rank` whose command line holds `marker` (its --out folder), or -1.
inline pid_t FindRank(const std::string& marker, int rank) {
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline, environment;
    try {
      cmdline = ReadFile(entry.path() / "cmdline");
      environment = ReadFile(entry.path() / "environ");
    } catch (const std::exception&) {
      continue;
    }
    if (cmdline.find(marker) == std::string::npos || cmdline.rfind("mpirun", 0) == 0) continue;
    std::string wanted = "OMPI_COMM_WORLD_RANK=" + std::to_string(rank);
    std::size_t at = environment.find(wanted);
    if (at != std::string::npos && (at == 0 || environment[at - 1] == '\0') &&
        (at + wanted.size() == environment.size() || environment[at + wanted.size()] == '\0')) {
      return static_cast<pid_t>(std::stol(name));
    }
  }
  return -1;
}

}  // namespace kiln::testing

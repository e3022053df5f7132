#pragma once
// One subcommand of `kiln`: each Add*Command registers its options on the parser and returns the handler that
// runs when that subcommand is chosen. The options live in the handler, so nothing outlives the parse by accident.

#include <CLI/CLI.hpp>

#include <functional>

namespace kiln {

struct CommandLine {
  int argc = 0;
  char** argv = nullptr;
};

struct Command {
  CLI::App* parser = nullptr;
  std::function<int()> run;  // returns the exit code (design.md); throws KilnError for bad input or I/O
};

// Refuses an empty --out (an unset $OUT in a script would otherwise write into the current or root folder).
void RequireOutFolder(const std::string& out, const char* option = "--out");
// Refuses --chain without --sign-key: a chain holds signed reports, and an unsigned one would break it for good.
void RequireSignedChain(const std::string& chain_dir, const std::string& sign_key);

Command AddRunCommand(CLI::App& app, const CommandLine& line);
Command AddBisectCommand(CLI::App& app, const CommandLine& line);
Command AddEvaluateCommand(CLI::App& app);
Command AddBaselineCommand(CLI::App& app);
Command AddReportCommand(CLI::App& app);
Command AddHistoryCommand(CLI::App& app);
Command AddPredictCommand(CLI::App& app);
Command AddWatchCommand(CLI::App& app);
Command AddScheduleCommand(CLI::App& app, const CommandLine& line);
Command AddListCommand(CLI::App& app);
Command AddKeygenCommand(CLI::App& app);
Command AddSignCommand(CLI::App& app);
Command AddVerifyCommand(CLI::App& app);

}  // namespace kiln

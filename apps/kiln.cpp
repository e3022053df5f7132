// The kiln command line: each subcommand registers itself (apps/*_command.cpp); this file parses and
// dispatches, and turns errors into the exit codes of design.md.

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <sodium.h>

#include <cstdio>

#include "apps/command.hpp"
#include "core/errors.hpp"

namespace kiln {
namespace {

int Main(int argc, char** argv) {
  if (sodium_init() < 0) throw RunError("libsodium failed to initialise");
  CLI::App app{"Kiln: fires a GPU cluster and proves every node and link performs as promised"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(KILN_VERSION));
  CommandLine line{argc, argv};
  std::vector<Command> commands = {
      AddRunCommand(app, line),  AddBisectCommand(app, line), AddEvaluateCommand(app),
      AddBaselineCommand(app),   AddReportCommand(app),       AddHistoryCommand(app),
      AddScheduleCommand(app, line), AddListCommand(app),     AddKeygenCommand(app),
      AddSignCommand(app),       AddVerifyCommand(app),
      AddPredictCommand(app),
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitBadInput;
  }
  for (const Command& command : commands) {
    if (command.parser->parsed()) return command.run();
  }
  return kExitBadInput;
}

}  // namespace
}  // namespace kiln

int main(int argc, char** argv) {
  try {
    return kiln::Main(argc, argv);
  } catch (const kiln::KilnError& e) {
    std::fprintf(stderr, "kiln: error: %s\n", e.what());
    return e.exit_code();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kiln: internal error: %s\n", e.what());
    return kiln::kExitCannotRun;
  }
}

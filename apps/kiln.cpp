// The kiln command line: each subcommand registers itself (apps/*_command.cpp); this file parses and
// dispatches, and turns errors into the exit codes of design.md.

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <sodium.h>

#include <cstdio>
#include <sstream>

#include "apps/command.hpp"
#include "core/errors.hpp"
#include "reports/printable.hpp"

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
      AddPredictCommand(app), AddWatchCommand(app),
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // CLI11 quotes the bad value as given: escaped like every other message.
    std::ostringstream out, err;
    app.exit(e, out, err);
    std::fputs(Printable(out.str(), true).c_str(), stdout);
    std::fputs(Printable(err.str(), true).c_str(), stderr);
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
    // Messages quote files, names and values as given: escaped, so that none can command the terminal.
    std::fprintf(stderr, "kiln: error: %s\n", kiln::Printable(e.what(), true).c_str());
    return e.exit_code();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kiln: internal error: %s\n", kiln::Printable(e.what(), true).c_str());
    return kiln::kExitCannotRun;
  }
}

#include "apps/process.hpp"

#include <fmt/format.h>

#include "apps/command.hpp"
#include "core/errors.hpp"

#include <csignal>
#include <filesystem>

namespace kiln {
namespace {

// A signal handler can only reach a static; this is the one flag it sets.
std::atomic<bool> g_stop_requested{false};
extern "C" void OnStopSignal(int) { g_stop_requested.store(true); }

}  // namespace

std::string ThisExecutable(const char* argv0) {
  std::error_code error;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? argv0 : exe.string();
}

void InstallStopHandlers() {
  struct sigaction action {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
}

const std::atomic<bool>& StopRequested() { return g_stop_requested; }

void RequireSignedChain(const std::string& chain_dir, const std::string& sign_key) {
  if (!chain_dir.empty() && sign_key.empty()) {
    throw InputError("--chain needs --sign-key: a chain holds signed reports, and an unsigned one would break it");
  }
}

void RequireOutFolder(const std::string& out, const char* option) {
  if (out.empty()) throw InputError(fmt::format("{} is empty: name the folder to write to", option));
}

}  // namespace kiln

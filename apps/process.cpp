#include "apps/process.hpp"

#include <fmt/format.h>

#include "apps/command.hpp"
#include "core/errors.hpp"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <filesystem>

namespace kiln {
namespace {

// A signal handler can only reach a static: the flag it sets, and an eventfd it writes (async-signal-safe) so that
// a watch can sleep until its next deadline instead of polling the flag.
std::atomic<bool> g_stop_requested{false};
int g_stop_fd = -1;
extern "C" void OnStopSignal(int) {
  g_stop_requested.store(true);
  if (g_stop_fd >= 0) {
    std::uint64_t one = 1;
    [[maybe_unused]] ssize_t written = ::write(g_stop_fd, &one, sizeof one);
  }
}

// SIGHUP: the terminal hung up (an ssh session dropped), and writing to it fails from now on (EIO), which would
// end the run with an error before its summary and hooks. Output that went to that terminal goes to /dev/null
// instead; output redirected to a file or a pipe is left alone. Which fds were terminals is found at install.
bool g_output_is_terminal[3] = {false, false, false};
extern "C" void OnHangupSignal(int signal) {
  for (int fd : {STDOUT_FILENO, STDERR_FILENO}) {
    if (!g_output_is_terminal[fd]) continue;
    int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null < 0) continue;
    ::dup2(null, fd);
    ::close(null);
  }
  OnStopSignal(signal);
}

}  // namespace

std::string ThisExecutable(const char* argv0) {
  std::error_code error;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? argv0 : exe.string();
}

void InstallStopHandlers() {
  if (g_stop_fd < 0) g_stop_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  struct sigaction action {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
  // The terminal went away (an ssh session dropped): stop as for INT and TERM, and write the report.
  for (int fd : {STDOUT_FILENO, STDERR_FILENO}) g_output_is_terminal[fd] = ::isatty(fd) == 1;
  action.sa_handler = OnHangupSignal;
  ::sigaction(SIGHUP, &action, nullptr);
}

const std::atomic<bool>& StopRequested() { return g_stop_requested; }

int StopRequestedFd() { return g_stop_fd; }

void RequireSignedChain(const std::string& chain_dir, const std::string& sign_key) {
  if (!chain_dir.empty() && sign_key.empty()) {
    throw InputError("--chain needs --sign-key: a chain holds signed reports, and an unsigned one would break it");
  }
}

void RequireOutFolder(const std::string& out, const char* option) {
  if (out.empty()) throw InputError(fmt::format("{} is empty: name the folder to write to", option));
  // The root folder (however spelt: "//", "/tmp/..", a link to it) would get report.json, journal/ and a lock.
  std::error_code error;
  std::filesystem::path resolved = std::filesystem::weakly_canonical(out, error);
  if (error) resolved = std::filesystem::absolute(out).lexically_normal();
  if (resolved == resolved.root_path()) {
    throw InputError(fmt::format("{} '{}' is the root folder: name a folder of its own to write to", option, out));
  }
}

}  // namespace kiln

#include "core/subprocess.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "core/errors.hpp"

namespace kiln {

Subprocess::Subprocess(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env)
    : start_(std::chrono::steady_clock::now()) {
  if (argv.empty()) throw RunError("no program to run");
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) ThrowSystemError(errno, "cannot create a pipe");
  // Everything the child needs is prepared before fork: only async-signal-safe calls after it.
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::string failure = fmt::format("cannot run {}: ", argv[0]);
  pid_ = ::fork();
  if (pid_ < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    ThrowSystemError(errno, fmt::format("cannot start {}", argv[0]));
  }
  if (pid_ == 0) {
    ::setpgid(0, 0);  // its own group: killing it takes its children along
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    for (const std::string& assignment : extra_env) ::putenv(const_cast<char*>(assignment.c_str()));
    ::execvp(args[0], args.data());
    int error = errno;
    (void)!::write(2, failure.data(), failure.size());
    const char* text = std::strerror(error);
    (void)!::write(2, text, std::strlen(text));
    (void)!::write(2, "\n", 1);
    ::_exit(127);
  }
  ::close(fds[1]);
  fd_ = fds[0];
}

Subprocess::~Subprocess() {
  if (!finished_) {
    Kill();
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  if (fd_ >= 0) ::close(fd_);
}

void Subprocess::Kill() {
  if (pid_ > 0) {
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
  }
}

bool Subprocess::ReadAvailable(int timeout_ms) {
  if (fd_ < 0) return false;
  pollfd p{fd_, POLLIN, 0};
  int ready = ::poll(&p, 1, timeout_ms);
  if (ready <= 0) return true;
  char buffer[4096];
  ssize_t n = ::read(fd_, buffer, sizeof buffer);
  if (n < 0 && errno == EINTR) return true;
  if (n <= 0) {
    ::close(fd_);
    fd_ = -1;
    return false;
  }
  output_.append(buffer, static_cast<std::size_t>(n));
  return true;
}

bool Subprocess::WaitForOutput(const std::string& text, std::chrono::milliseconds timeout) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (output_.find(text) == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    if (!ReadAvailable(static_cast<int>(std::min<long>(left.count(), 100)))) return output_.find(text) != std::string::npos;
  }
  return true;
}

bool Subprocess::EndsAfterInterrupt() {
  if (interrupt_grace_.count() <= 0) return false;
  auto end = std::chrono::steady_clock::now() + interrupt_grace_;
  // Two SIGINTs a moment apart: srun takes a single one as a request for its tasks' status.
  ::kill(pid_, SIGINT);
  ReadAvailable(200);
  ::kill(pid_, SIGINT);
  while (std::chrono::steady_clock::now() < end) {
    pid_t ended = ::waitpid(pid_, &status_, WNOHANG);
    if (ended == pid_) return true;
    if (ended < 0 && errno != EINTR) return true;
    if (!ReadAvailable(100)) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

ProcessResult Subprocess::Wait(std::chrono::steady_clock::time_point deadline, std::stop_token stop) {
  ProcessResult result;
  while (fd_ >= 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      result.timed_out = true;
      break;
    }
    if (stop.stop_requested()) {
      result.stopped = true;
      break;
    }
    ReadAvailable(100);
  }
  bool reaped = false;
  if (result.timed_out || result.stopped) {
    reaped = EndsAfterInterrupt();
    result.killed = !reaped;
    if (reaped) ::kill(-pid_, SIGKILL);  // what it left behind in its group
    else Kill();
  }
  if (!reaped) {
    while (::waitpid(pid_, &status_, 0) < 0 && errno == EINTR) {
    }
  }
  finished_ = true;
  while (ReadAvailable(0)) {
  }
  if (!result.timed_out && !result.stopped && WIFEXITED(status_)) result.exit_code = WEXITSTATUS(status_);
  result.output = output_;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  return result;
}

std::string LastLinesOf(const std::string& output, int lines) {
  std::size_t end = output.find_last_not_of(" \t\r\n");
  if (end == std::string::npos) return "";
  std::size_t start = end;
  for (int i = 0; i < lines; ++i) {
    std::size_t newline = output.rfind('\n', start);
    if (newline == std::string::npos) {
      start = 0;
      break;
    }
    start = newline;
    if (i + 1 < lines && start > 0) --start;
  }
  std::string tail = output.substr(start, end + 1 - start);
  tail.erase(0, tail.find_first_not_of('\n'));
  for (char& c : tail) {
    if (c == '\n') c = ' ';
  }
  return tail;
}

ProcessResult RunProcess(const std::vector<std::string>& argv, double timeout_seconds,
                         const std::vector<std::string>& extra_env) {
  Subprocess process(argv, extra_env);
  return process.Wait(std::chrono::steady_clock::now() +
                      std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                          std::chrono::duration<double>(timeout_seconds)));
}

int RunAttached(const std::vector<std::string>& argv) {
  if (argv.empty()) throw RunError("no program to run");
  std::vector<char*> c_args;
  for (const std::string& word : argv) c_args.push_back(const_cast<char*>(word.c_str()));
  c_args.push_back(nullptr);
  std::fflush(nullptr);
  pid_t pid = -1;
  if (int error = ::posix_spawnp(&pid, c_args[0], nullptr, nullptr, c_args.data(), environ); error != 0) {
    throw RunError(fmt::format("cannot start {}: {}", argv[0], std::strerror(error)));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace kiln

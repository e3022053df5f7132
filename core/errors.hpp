#pragma once
// Errors carry the exit code that main() turns them into (design.md: 2 bad input, 3 could not run).

#include <stdexcept>
#include <string>

namespace kiln {

inline constexpr int kExitPassed = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitCannotRun = 3;

class KilnError : public std::runtime_error {
 public:
  KilnError(int exit_code, const std::string& message)
      : std::runtime_error(message), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

// Bad usage or a bad input file: exit 2. Name the file and line where there is one.
class InputError : public KilnError {
 public:
  explicit InputError(const std::string& message) : KilnError(kExitBadInput, message) {}
  // "file:line: message", or "file: message" when line is 0.
  InputError(const std::string& file, int line, const std::string& message);
};

// Kiln itself could not run (MPI, launch, I/O): exit 3.
class RunError : public KilnError {
 public:
  explicit RunError(const std::string& message) : KilnError(kExitCannotRun, message) {}
};

// Thrown by a probe when the measurement itself went wrong (becomes an "error" result).
class ProbeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// errno-based failures, fmt's system_error way: "cannot open file 'x': No such file".
[[noreturn]] void ThrowSystemError(int error_number, const std::string& what);

}  // namespace kiln

#pragma once
// Child processes with captured output and a deadline: perftest's servers and clients, mpirun in tests.

#include <sys/types.h>

#include <chrono>
#include <stop_token>
#include <string>
#include <vector>

namespace kiln {

struct ProcessResult {
  int exit_code = -1;      // -1 when killed (time limit, stop) or ended by a signal
  bool timed_out = false;  // killed at its deadline
  bool stopped = false;    // killed because the stop token was set
  bool killed = false;     // it had to be killed (SIGKILL): at once, or after an interrupt it did not end on
  double seconds = 0;
  std::string output;      // stdout and stderr together
};

class Subprocess {
 public:
  // Starts argv[0] (searched in PATH) in its own process group, with `extra_env` ("NAME=value") added.
  // Throws RunError naming the program when it cannot start; a program that is not there exits 127 with
  // "cannot run PROGRAM: No such file or directory" as its output.
  Subprocess(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env = {});
  ~Subprocess();  // kills the group if still running
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  // On its deadline or a stop, interrupt it first the way a user at its terminal would: SIGINT twice (srun
  // then cancels its job step on every node, mpirun stops its ranks), and SIGKILL its group only if it has not
  // ended `grace` later. A killed srun would leave its step running on the nodes, holding their CPUs.
  void InterruptFirst(std::chrono::milliseconds grace) { interrupt_grace_ = grace; }

  // Collects output until the process ends, `deadline` passes (then kills it) or `stop` is set.
  ProcessResult Wait(std::chrono::steady_clock::time_point deadline, std::stop_token stop = {});
  // True once `text` has appeared in the output (reads what is available, waits up to `timeout`).
  bool WaitForOutput(const std::string& text, std::chrono::milliseconds timeout);
  const std::string& output() const { return output_; }

 private:
  bool ReadAvailable(int timeout_ms);  // false at end of output
  void Kill();
  bool EndsAfterInterrupt();  // true when the process ended within interrupt_grace_ of SIGINT twice
  pid_t pid_ = -1;
  int fd_ = -1;
  bool finished_ = false;
  int status_ = 0;  // waitpid's status, once finished_
  std::chrono::milliseconds interrupt_grace_{0};
  std::string output_;
  std::chrono::steady_clock::time_point start_;
};

// The last `lines` lines of a program's output on one line (newlines become spaces, trailing blanks dropped):
// what an error message quotes of a program that failed.
std::string LastLinesOf(const std::string& output, int lines);

// Starts, waits up to `timeout_seconds`, returns what happened.
ProcessResult RunProcess(const std::vector<std::string>& argv, double timeout_seconds,
                         const std::vector<std::string>& extra_env = {});

// Starts a program with this process's standard streams and waits for it (no deadline): its exit status, or
// 128 + the signal that ended it. Throws RunError when it cannot start.
int RunAttached(const std::vector<std::string>& argv);

}  // namespace kiln

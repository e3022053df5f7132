#pragma once
// What the commands need of their own process: the path of this binary, and a clean stop on SIGINT, SIGTERM
// and SIGHUP.

#include <atomic>
#include <string>

namespace kiln {

// This binary, for launching more of itself (argv0 when /proc/self/exe cannot be read).
std::string ThisExecutable(const char* argv0);

// Makes SIGINT, SIGTERM and SIGHUP (a dropped ssh session) set the flag StopRequested() returns instead of
// killing the process: the run finishes or cuts short its step and writes its report. After SIGHUP, what went
// to the terminal goes to /dev/null (the terminal is gone).
void InstallStopHandlers();
const std::atomic<bool>& StopRequested();
// Readable once a stop was requested (an eventfd; -1 before InstallStopHandlers): to wait on with poll().
int StopRequestedFd();

}  // namespace kiln

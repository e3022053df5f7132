#pragma once
// Runs perftest servers and clients for a set of HCA ports at once, each bounded by a timeout.

#include <chrono>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "core/probe.hpp"
#include "core/subprocess.hpp"
#include "probes/health/node_inventory.hpp"

namespace kiln::perftest {

enum class Test { kWriteBw, kWriteLat };

struct RunSettings {
  Test test = Test::kWriteBw;
  std::uint64_t size = 8 << 20;
  std::int64_t iterations = 5000;
  double duration_s = 0;      // > 0: -D (duration mode) instead of -n
  bool bidirectional = false;
  int use_cuda = -1;          // >= 0: --use_cuda=GPU (GPUDirect RDMA)
  int base_tcp_port = 18515;
  double timeout_s = 60;
};

// The perftest command line for one HCA port; `server_host` empty for the server side.
std::vector<std::string> CommandLine(const Environment& env, const RunSettings& s, const IbPort& port, int tcp_port,
                                     const std::string& server_host);

// Servers for `ports` (rail i on tcp base+i), started at once; Ready() waits until each says it waits for a client.
class Servers {
 public:
  Servers(const Environment& env, const RunSettings& s, const std::vector<IbPort>& ports, const std::string& node);
  void AwaitReady(std::chrono::milliseconds timeout);
  std::vector<ProcessResult> Wait(std::chrono::steady_clock::time_point deadline, std::stop_token stop);

 private:
  std::vector<std::unique_ptr<Subprocess>> processes_;
};

// Clients for `ports`, rail i to the server's rail i at `server_host`, started at once.
std::vector<ProcessResult> RunClients(const Environment& env, const RunSettings& s, const std::vector<IbPort>& ports,
                                      const std::string& node, const std::string& server_host,
                                      std::chrono::steady_clock::time_point deadline, std::stop_token stop);

// What went wrong in one process, in words naming the program, the HCA and the node; empty when it succeeded.
std::string Problem(const ProcessResult& r, const std::string& program, const IbPort& port, const std::string& node,
                    const std::string& side);

// Active ports of this node, sorted (the rails), read from sysfs.
std::vector<IbPort> ActivePorts(const Environment& env);

// Error counters of a port (symbol_error, link_downed, port_rcv_errors, port_xmit_discards) where readable.
std::vector<std::pair<std::string, double>> ReadErrorCounters(const Environment& env, const IbPort& port);

}  // namespace kiln::perftest

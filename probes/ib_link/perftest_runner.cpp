#include "probes/ib_link/perftest_runner.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "core/units.hpp"
#include "probes/common/system_files.hpp"

namespace kiln::perftest {
namespace {

// perftest prints its errors unbuffered on stderr and the rest block-buffered on stdout: through a pipe the two
// arrive out of order (the reason quoted for a failure would be a table header), and a server's "Waiting for
// client" line only when it exits (every server would cost its full start-up wait). coreutils' stdbuf makes
// stdout line-buffered, so every line arrives when it is printed. Without stdbuf, the command runs as it is.
std::vector<std::string> LineBuffered(std::vector<std::string> argv) {
  static const bool has_stdbuf = [] {
    const char* path = std::getenv("PATH");
    std::string dirs = path ? path : "/usr/bin:/bin";
    for (std::size_t start = 0; start <= dirs.size();) {
      std::size_t end = dirs.find(':', start);
      std::string dir = dirs.substr(start, end == std::string::npos ? std::string::npos : end - start);
      if (!dir.empty() && ::access((dir + "/stdbuf").c_str(), X_OK) == 0) return true;
      if (end == std::string::npos) break;
      start = end + 1;
    }
    return false;
  }();
  if (has_stdbuf) argv.insert(argv.begin(), {"stdbuf", "-oL", "-eL"});
  return argv;
}

}  // namespace

std::vector<std::string> CommandLine(const Environment& env, const RunSettings& s, const IbPort& port, int tcp_port,
                                     const std::string& server_host) {
  std::vector<std::string> argv{s.test == Test::kWriteBw ? env.ib_write_bw : env.ib_write_lat,
                                "-d", port.device, "-i", std::to_string(port.port), "-p", std::to_string(tcp_port),
                                "-s", std::to_string(s.size), "-F"};
  if (s.test == Test::kWriteBw) argv.push_back("--report_gbits");
  if (s.duration_s > 0) {
    argv.insert(argv.end(), {"-D", fmt::format("{:g}", s.duration_s)});
  } else {
    argv.insert(argv.end(), {"-n", std::to_string(s.iterations)});
  }
  if (s.bidirectional && s.test == Test::kWriteBw) argv.push_back("-b");
  if (s.use_cuda >= 0) argv.push_back(fmt::format("--use_cuda={}", s.use_cuda));
  if (!server_host.empty()) argv.push_back(server_host);
  return argv;
}

Servers::Servers(const Environment& env, const RunSettings& s, const std::vector<IbPort>& ports, const std::string& node) {
  for (std::size_t i = 0; i < ports.size(); ++i) {
    processes_.push_back(std::make_unique<Subprocess>(
        LineBuffered(CommandLine(env, s, ports[i], s.base_tcp_port + static_cast<int>(i), "")),
        std::vector<std::string>{"KILN_NODE=" + node}));
  }
}

void Servers::AwaitReady(std::chrono::milliseconds timeout) {
  // perftest's server says "Waiting for client to connect"; one that fails early says why instead.
  for (auto& p : processes_) p->WaitForOutput("Waiting for client", timeout);
}

std::vector<ProcessResult> Servers::Wait(std::chrono::steady_clock::time_point deadline, std::stop_token stop) {
  std::vector<ProcessResult> results;
  for (auto& p : processes_) results.push_back(p->Wait(deadline, stop));
  return results;
}

std::vector<ProcessResult> RunClients(const Environment& env, const RunSettings& s, const std::vector<IbPort>& ports,
                                      const std::string& node, const std::string& server_host,
                                      std::chrono::steady_clock::time_point deadline, std::stop_token stop) {
  std::vector<std::unique_ptr<Subprocess>> clients;
  for (std::size_t i = 0; i < ports.size(); ++i) {
    clients.push_back(std::make_unique<Subprocess>(
        LineBuffered(CommandLine(env, s, ports[i], s.base_tcp_port + static_cast<int>(i), server_host)),
        std::vector<std::string>{"KILN_NODE=" + node}));
  }
  std::vector<ProcessResult> results;
  for (auto& c : clients) results.push_back(c->Wait(deadline, stop));
  return results;
}

std::string Problem(const ProcessResult& r, const std::string& program, const IbPort& port, const std::string& node,
                    const std::string& side) {
  std::string where = fmt::format("{} {} on {} port {}/{}", side, program, node, port.device, port.port);
  if (r.timed_out) {
    return side == "server" ? fmt::format("{}: no client connected, or the test did not finish, within the time limit", where)
                            : fmt::format("{}: did not finish within the time limit", where);
  }
  if (r.stopped) return fmt::format("{}: stopped (the step ran past its timeout)", where);
  if (r.exit_code == 127) return fmt::format("{}: {} is not installed (Debian package perftest; or set KILN_IB_WRITE_BW)", where, program);
  if (r.exit_code != 0) {
    return fmt::format("{}: exited {}: {}", where, r.exit_code, LastLinesOf(r.output, 1));
  }
  return "";
}

std::vector<IbPort> ActivePorts(const Environment& env) {
  std::vector<IbPort> active;
  for (IbPort& p : ReadIbPorts(env.sysfs_root)) {
    if (p.state == "ACTIVE") active.push_back(std::move(p));
  }
  return active;
}

std::vector<std::pair<std::string, double>> ReadErrorCounters(const Environment& env, const IbPort& port) {
  std::vector<std::pair<std::string, double>> counters;
  for (const char* name : {"symbol_error", "link_downed", "port_rcv_errors", "port_xmit_discards"}) {
    auto text = ReadFirstLine(fmt::format("{}/class/infiniband/{}/ports/{}/counters/{}", env.sysfs_root, port.device,
                                          port.port, name));
    if (!text) continue;
    try {
      counters.emplace_back(name, std::stod(*text));
    } catch (const std::exception&) {
    }
  }
  return counters;
}

}  // namespace kiln::perftest

#include "probes/ib_link/ib_probes.hpp"

#include <fmt/format.h>

#include "core/errors.hpp"
#include "core/hostname.hpp"
#include "core/units.hpp"
#include "probes/ib_link/perftest_output.hpp"
#include "probes/ib_link/perftest_runner.hpp"

namespace kiln {
namespace {

using perftest::RunSettings;
using perftest::Test;

std::vector<ParamSpec> IbParams() {
  return {
      {"size", ParamType::kBytes, "8MiB", "message size (-s)"},
      {"iterations", ParamType::kInt, "5000", "iterations (-n; perftest's default for write bw)"},
      {"duration", ParamType::kDuration, "0s", "if > 0, duration mode (-D) instead of iterations"},
      {"bidirectional", ParamType::kBool, "false", "bidirectional bandwidth (-b)"},
      {"latency", ParamType::kBool, "true", "also run ib_write_lat (8 bytes), one HCA at a time"},
      {"use_cuda", ParamType::kString, "none", "GPU index for GPUDirect RDMA (--use_cuda=N), or none (host memory)"},
      {"tcp_port", ParamType::kInt, "18515", "first TCP port for the connection setup; rail i uses this + i"},
      {"port_per_node", ParamType::kBool, "false", "offset the server's ports by 16 x its node index (several "
                                                    "emulated nodes on one host)"},
      {"run_timeout", ParamType::kDuration, "60s", "limit of one perftest run"},
  };
}

// What each probe reports, and only that: the judgement expects every declared metric a rule names.
std::vector<MetricSpec> IbMetrics(bool latency) {
  std::vector<MetricSpec> metrics{{"ib.write_bw", "Gb/s", true, "ib_write_bw average bandwidth"}};
  if (latency) metrics.push_back({"ib.write_lat", "us", false, "ib_write_lat typical latency"});
  metrics.push_back({"ib.counter_growth", "count", false, "growth of a port's error counter during the test"});
  return metrics;
}

RunSettings Settings(const Parameters& p, Test test) {
  RunSettings s;
  s.test = test;
  s.size = test == Test::kWriteLat ? 8 : p.Bytes("size");
  s.iterations = test == Test::kWriteLat ? 1000 : p.Int("iterations");
  s.duration_s = test == Test::kWriteLat ? 0 : p.Duration("duration").count();
  s.bidirectional = p.Bool("bidirectional");
  const std::string& gpu = p.String("use_cuda");
  if (gpu != "none") {
    if (gpu.empty() || gpu.find_first_not_of("0123456789") != std::string::npos) {
      throw ProbeError(fmt::format("use_cuda '{}' is neither 'none' nor a GPU index", gpu));
    }
    s.use_cuda = std::stoi(gpu);
  }
  s.base_tcp_port = static_cast<int>(p.Int("tcp_port"));
  s.timeout_s = p.Duration("run_timeout").count();
  return s;
}

std::chrono::steady_clock::time_point Deadline(double seconds) {
  return std::chrono::steady_clock::now() +
         std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(seconds));
}

std::string PortName(const IbPort& p) { return fmt::format("{}/{}", p.device, p.port); }

// Error counters before and after, as growth measurements of this node's ports.
struct CounterSnapshot {
  std::vector<std::vector<std::pair<std::string, double>>> before;
  void Take(const Environment& env, const std::vector<IbPort>& ports) {
    for (const IbPort& p : ports) before.push_back(perftest::ReadErrorCounters(env, p));
  }
  void AddGrowth(const Environment& env, const std::vector<IbPort>& ports, const std::string& node,
                 const std::string& probe, ProbeOutcome& out) const {
    for (std::size_t i = 0; i < ports.size() && i < before.size(); ++i) {
      auto after = perftest::ReadErrorCounters(env, ports[i]);
      for (const auto& [name, start] : before[i]) {
        for (const auto& [after_name, end] : after) {
          if (after_name != name) continue;
          out.measurements.push_back(MakeMeasurement(
              probe, "ib.counter_growth", "count", Subject::Device(node, PortName(ports[i])), {end - start}, false,
              fmt::format("sysfs counters/{} before and after the test: {:g} -> {:g}", name, start, end),
              {{"counter", name}}));
        }
      }
    }
  }
};

// Why a host cannot run InfiniBand probes at all, or nullopt.
std::optional<std::string> NoRdmaDevices(const Environment& env) {
  if (!ReadIbPorts(env.sysfs_root).empty()) return std::nullopt;
  return fmt::format("no RDMA devices ({}/class/infiniband is empty): the mpi_link probe covers this host's network",
                     env.sysfs_root);
}

// A run with problems is an error that lists them all; what was measured stays.
void AddProblems(const std::vector<std::string>& problems, ProbeOutcome& out) {
  if (problems.empty()) return;
  out.status = ProbeStatus::kError;
  for (const std::string& p : problems) out.reason += (out.reason.empty() ? "" : "; ") + p;
}

// ib_write_bw from every HCA to itself, all at once.
void LoopbackBandwidth(const ProbeContext& ctx, const std::string& probe, const std::vector<IbPort>& ports,
                       const RunSettings& bw, ProbeOutcome& out, std::vector<std::string>& problems) {
  perftest::Servers servers(ctx.env, bw, ports, ctx.node);
  servers.AwaitReady(std::chrono::seconds(5));
  auto deadline = Deadline(bw.timeout_s);
  auto clients = perftest::RunClients(ctx.env, bw, ports, ctx.node, "localhost", deadline, ctx.stop);
  auto server_results = servers.Wait(deadline, ctx.stop);
  for (std::size_t i = 0; i < ports.size(); ++i) {
    std::string problem = perftest::Problem(clients[i], "ib_write_bw", ports[i], ctx.node, "client");
    if (problem.empty()) problem = perftest::Problem(server_results[i], "ib_write_bw", ports[i], ctx.node, "server");
    if (!problem.empty()) {
      problems.push_back(problem);
      continue;
    }
    try {
      auto rows = perftest::ParseBw(clients[i].output);
      out.measurements.push_back(MakeMeasurement(
          probe, "ib.write_bw", "Gb/s", Subject::Device(ctx.node, PortName(ports[i])), {rows.back().average_gbps},
          true,
          fmt::format("ib_write_bw loopback, {} x {} B{}, all {} HCAs at once", rows.back().iterations,
                      rows.back().bytes, bw.use_cuda >= 0 ? fmt::format(", GPUDirect from GPU {}", bw.use_cuda) : "",
                      ports.size()),
          {{"mode", "loopback"}}));
    } catch (const perftest::OutputError& e) {
      problems.push_back(fmt::format("ib_write_bw on {} port {}: {}", ctx.node, PortName(ports[i]), e.what()));
    }
  }
}

// ib_write_lat from every HCA to itself, one HCA at a time.
void LoopbackLatency(const ProbeContext& ctx, const std::string& probe, const std::vector<IbPort>& ports,
                     const RunSettings& lat, ProbeOutcome& out, std::vector<std::string>& problems) {
  for (std::size_t i = 0; i < ports.size(); ++i) {
    std::vector<IbPort> one{ports[i]};
    perftest::Servers server(ctx.env, lat, one, ctx.node);
    server.AwaitReady(std::chrono::seconds(5));
    auto deadline = Deadline(lat.timeout_s);
    auto client = perftest::RunClients(ctx.env, lat, one, ctx.node, "localhost", deadline, ctx.stop);
    server.Wait(deadline, ctx.stop);
    std::string problem = perftest::Problem(client[0], "ib_write_lat", ports[i], ctx.node, "client");
    if (!problem.empty()) {
      problems.push_back(problem);
      continue;
    }
    try {
      auto rows = perftest::ParseLat(client[0].output);
      out.measurements.push_back(MakeMeasurement(probe, "ib.write_lat", "us", Subject::Device(ctx.node, PortName(ports[i])),
                                                 {rows.back().typical_us}, false,
                                                 fmt::format("ib_write_lat loopback, t_typical of {} x {} B",
                                                             rows.back().iterations, rows.back().bytes),
                                                 {{"mode", "loopback"}}));
    } catch (const perftest::OutputError& e) {
      problems.push_back(fmt::format("ib_write_lat on {} port {}: {}", ctx.node, PortName(ports[i]), e.what()));
    }
  }
}

// The rails of a pair, as rank 0 planned them from both sides' active ports and both ranks received.
struct RailPlan {
  std::size_t rails = 0;  // the fewer active ports of the two, paired in order
  std::string server_host;
  int base_port = 0;  // the server's
};

RailPlan PlanRails(Communicator& pair, const ProbeContext& ctx, std::size_t active_ports) {
  int base_port = static_cast<int>(ctx.params.Int("tcp_port")) +
                  (ctx.params.Bool("port_per_node") ? 16 * ctx.node_index : 0);
  nlohmann::json mine{{"host", LocalHostname()}, {"ports", active_ports}, {"base_port", base_port}};
  std::vector<std::string> both = pair.GatherToRoot(mine.dump());
  nlohmann::json plan = nlohmann::json::object();
  if (pair.Rank() == 0) {
    nlohmann::json a = nlohmann::json::parse(both[0]), b = nlohmann::json::parse(both[1]);
    plan = {{"rails", std::min(a["ports"].get<std::size_t>(), b["ports"].get<std::size_t>())},
            {"server_host", b["host"]}, {"client_ports", a["ports"]}, {"server_ports", b["ports"]},
            {"base_port", b["base_port"]}};
  }
  plan = nlohmann::json::parse(pair.BroadcastFromRoot(plan.dump()));
  RailPlan rails{plan["rails"].get<std::size_t>(), plan["server_host"].get<std::string>(), plan["base_port"].get<int>()};
  if (rails.rails == 0) {
    throw ProbeError(fmt::format("no rail to test between {} ({} active ports) and {} ({} active ports)",
                                 ctx.members[0], plan["client_ports"].get<int>(), ctx.members[1],
                                 plan["server_ports"].get<int>()));
  }
  return rails;
}

// Rank 1 serves every rail, rank 0 connects; each gets its side's results, rail by rail.
std::vector<ProcessResult> RunRails(Communicator& pair, const ProbeContext& ctx, const std::vector<IbPort>& ports,
                                    const RailPlan& plan) {
  RunSettings s = Settings(ctx.params, Test::kWriteBw);
  s.base_tcp_port = plan.base_port;
  auto deadline = Deadline(s.timeout_s);
  if (pair.Rank() == 1) {
    perftest::Servers servers(ctx.env, s, ports, ctx.node);
    servers.AwaitReady(std::chrono::seconds(5));
    pair.Barrier();  // the clients start only now: perftest clients do not retry
    return servers.Wait(deadline, ctx.stop);
  }
  pair.Barrier();
  return perftest::RunClients(ctx.env, s, ports, ctx.node, plan.server_host, deadline, ctx.stop);
}

class IbLoopbackProbe final : public Probe {
 public:
  std::string Name() const override { return "ib_loopback"; }
  ProbeTraits Traits() const override { return {.failure_category = "network"}; }
  std::string Description() const override {
    return "ib_write_bw/lat from each HCA to itself, all HCAs of the node at once (PCIe/NUMA limits show here)";
  }
  Scope scope() const override { return Scope::kNode; }
  std::vector<ParamSpec> Parameters() const override { return IbParams(); }
  std::vector<MetricSpec> Metrics() const override { return IbMetrics(true); }
  std::optional<std::string> CheckSupported(const ProbeContext& ctx) const override { return NoRdmaDevices(ctx.env); }

  ProbeOutcome Run(ProbeContext& ctx) override {
    std::vector<IbPort> ports = perftest::ActivePorts(ctx.env);
    if (ports.empty()) throw ProbeError("RDMA devices exist but no port is ACTIVE (see the health probe)");
    CounterSnapshot counters;
    counters.Take(ctx.env, ports);
    ProbeOutcome out;
    std::vector<std::string> problems;
    RunSettings bw = Settings(ctx.params, Test::kWriteBw);
    if (ctx.params.Bool("port_per_node")) bw.base_tcp_port += 16 * ctx.node_index;
    LoopbackBandwidth(ctx, Name(), ports, bw, out, problems);
    if (ctx.params.Bool("latency")) {
      RunSettings lat = Settings(ctx.params, Test::kWriteLat);
      lat.base_tcp_port = bw.base_tcp_port;
      LoopbackLatency(ctx, Name(), ports, lat, out, problems);
    }
    counters.AddGrowth(ctx.env, ports, ctx.node, Name(), out);
    AddProblems(problems, out);
    return out;
  }
};

class IbLinkProbe final : public Probe {
 public:
  std::string Name() const override { return "ib_link"; }
  ProbeTraits Traits() const override { return {.failure_category = "network"}; }
  std::string Description() const override {
    return "ib_write_bw between two nodes, HCA i with HCA i (rails), all rails at once";
  }
  Scope scope() const override { return Scope::kPair; }
  std::vector<ParamSpec> Parameters() const override { return IbParams(); }
  std::vector<MetricSpec> Metrics() const override { return IbMetrics(false); }
  std::optional<std::string> CheckSupported(const ProbeContext& ctx) const override {
    if (ctx.comm->Size() != 2) return fmt::format("needs a pair of ranks, got {}", ctx.comm->Size());
    return NoRdmaDevices(ctx.env);
  }

  // Rank 1 of the pair serves, rank 0 connects to it. Every rank calls this.
  ProbeOutcome Run(ProbeContext& ctx) override {
    Communicator& pair = *ctx.comm;
    const bool server = pair.Rank() == 1;
    std::vector<IbPort> ports = perftest::ActivePorts(ctx.env);
    const RailPlan plan = PlanRails(pair, ctx, ports.size());
    const std::size_t rails = plan.rails;
    ports.resize(rails);
    CounterSnapshot counters;
    counters.Take(ctx.env, ports);
    std::vector<ProcessResult> results = RunRails(pair, ctx, ports, plan);
    std::vector<std::string> problems;
    std::vector<bool> rail_ran(rails);
    for (std::size_t i = 0; i < rails; ++i) {
      std::string problem = perftest::Problem(results[i], "ib_write_bw", ports[i], ctx.node, server ? "server" : "client");
      rail_ran[i] = problem.empty();
      if (!problem.empty()) problems.push_back(problem);
    }
    // The client's numbers, and both sides' problems, end up on rank 0.
    nlohmann::json report{{"problems", problems}, {"ports", nlohmann::json::array()}};
    for (const IbPort& p : ports) report["ports"].push_back(PortName(p));
    std::vector<std::string> reports = pair.GatherToRoot(report.dump());
    ProbeOutcome out;
    counters.AddGrowth(ctx.env, ports, ctx.node, Name(), out);
    if (pair.Rank() != 0) return out;

    nlohmann::json server_report = nlohmann::json::parse(reports[1]);
    for (const auto& p : server_report["problems"]) problems.push_back(p.get<std::string>());
    Subject subject = Subject::Pair(ctx.members[0], ctx.members[1]);
    for (std::size_t i = 0; i < rails; ++i) {
      if (!rail_ran[i]) continue;  // its problem is already listed
      try {
        auto rows = perftest::ParseBw(results[i].output);
        std::string rail = fmt::format("{}->{}", PortName(ports[i]), server_report["ports"][i].get<std::string>());
        out.measurements.push_back(MakeMeasurement(
            Name(), "ib.write_bw", "Gb/s", subject, {rows.back().average_gbps}, true,
            fmt::format("ib_write_bw {} -> {}, rail {} ({}), {} x {} B, all {} rails at once", ctx.members[0],
                        ctx.members[1], i, rail, rows.back().iterations, rows.back().bytes, rails),
            {{"rail", std::to_string(i)}}));
      } catch (const perftest::OutputError& e) {
        problems.push_back(fmt::format("ib_write_bw client on {} port {}: {}", ctx.node, PortName(ports[i]), e.what()));
      }
    }
    AddProblems(problems, out);
    return out;
  }
};

}  // namespace

std::unique_ptr<Probe> MakeIbLoopbackProbe() { return std::make_unique<IbLoopbackProbe>(); }
std::unique_ptr<Probe> MakeIbLinkProbe() { return std::make_unique<IbLinkProbe>(); }

}  // namespace kiln

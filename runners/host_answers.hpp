#pragma once
// A host that does not answer: when a launch over a hostfile fails before any rank reported, each host is asked
// alone through the same launcher, so that the run can go on over the hosts that answer and its report names
// the others with the launcher's own words for why (ssh: "Connection refused", "No route to host").

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "core/verdict.hpp"
#include "runners/hostfile.hpp"
#include "runners/launchers/launcher.hpp"

namespace kiln {

struct HostAnswer {
  HostEntry host;
  bool answered = false;
  std::string why;  // when it did not: the launcher's first line about it, or the time it waited
};

// Asks every host at once (at most 64 at a time), each bounded by `timeout_s`.
std::vector<HostAnswer> AskHosts(const std::vector<HostEntry>& hosts, const Launcher& launcher,
                                 const std::vector<std::string>& extra, double timeout_s);

// The first line of a launcher's output that says something (not blank, not one of Open MPI's "----" rules).
std::string FirstMessageLine(const std::string& output);

// The error verdict of a host listed in `hosts_path` that did not join the job, and why.
Verdict NotJoinedVerdict(const HostAnswer& answer, const std::string& hosts_path);

// Adds a NotJoinedVerdict per host that did not answer to a report of the run over the others, and recomputes
// its summary: the report stays one whole judgement of every listed host.
void AddHostsNotJoined(nlohmann::json& report, const std::vector<HostAnswer>& down, const std::string& hosts_path);

}  // namespace kiln

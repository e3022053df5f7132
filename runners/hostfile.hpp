#pragma once
// Open MPI hostfiles: "host [slots=N] [max_slots=N]" per line, '#' comments.

#include <string>
#include <vector>

namespace kiln {

struct HostEntry {
  std::string name;
  int slots = 1;
  int line = 0;
};

// Throws InputError naming the file, line and name for what mpirun would refuse after Kiln had accepted it (a
// name other than a DNS host name or an IPv4 address: '_', IPv6, over 253 characters or a label over 63; a
// carriage return), a host listed twice (names ignore case: vm and VM are one host), a bad slots value or an
// unknown word. Names in messages are escaped (reports/printable.hpp).
std::vector<HostEntry> LoadHostfile(const std::string& path);
std::vector<HostEntry> ParseHostfile(const std::string& text, const std::string& path);

// The hosts of a hostfile that did not join a job whose ranks reported `nodes` (their hostnames). A host name
// matches a node of the same name or short name, ignoring case (node1.cluster.local is NODE1); a host listed by address or as
// localhost (127.0.0.1, ::1, 10.0.0.5) cannot be told apart by name, so it counts as joined as long as enough
// otherwise unmatched nodes joined. Returns the hosts not accounted for, in hostfile order.
std::vector<HostEntry> HostsMissing(const std::vector<HostEntry>& hosts, const std::vector<std::string>& nodes);

}  // namespace kiln

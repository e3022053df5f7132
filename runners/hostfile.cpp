#include "runners/hostfile.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <sstream>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "reports/printable.hpp"

namespace kiln {
namespace {

constexpr std::size_t kMostNameChars = 253;   // DNS: a whole name
constexpr std::size_t kMostLabelChars = 63;   // DNS: one label between dots
constexpr std::size_t kMostShownChars = 64;   // of a refused name, in the message

int ParseSlots(const std::string& value, const std::string& path, int line) {
  int slots = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), slots);
  if (ec != std::errc() || end != value.data() + value.size() || slots <= 0) {
    throw InputError(path, line, fmt::format("slots must be a positive integer, not '{}'", Printable(value)));
  }
  return slots;
}

std::string Lowercase(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// A name as an error message shows it: escaped, and cut when long.
std::string Shown(const std::string& name) {
  if (name.size() <= kMostShownChars) return Printable(name);
  return fmt::format("{}... ({} characters)", Printable(name.substr(0, kMostShownChars)), name.size());
}

// Why mpirun or DNS would refuse `name`, or "" when both take it. Open MPI's node names are ASCII letters, digits,
// '.' and '-' (it refuses '_', and IPv6 addresses in either form); DNS (RFC 1123) allows 253 characters, labels
// of 1 to 63 that neither start nor end with '-'. A name of digits and dots is an IPv4 address, whole.
std::string NameProblem(const std::string& name) {
  bool ipv6 = name.find(':') != std::string::npos && name.find_first_not_of("0123456789abcdefABCDEF:.[]") == std::string::npos;
  if (ipv6) return "is an IPv6 address: mpirun takes host names and IPv4 addresses only";
  auto bad = std::find_if(name.begin(), name.end(), [](char c) {
    return !(std::isalnum(static_cast<unsigned char>(c)) && static_cast<unsigned char>(c) < 0x80) && c != '.' && c != '-';
  });
  if (bad != name.end()) {
    return fmt::format("holds '{}': a host name has ASCII letters, digits, '-' and '.' only", Printable({&*bad, 1}));
  }
  if (name.size() > kMostNameChars) return fmt::format("is longer than {} characters", kMostNameChars);
  if (name.find_first_not_of("0123456789.") == std::string::npos) {
    in_addr address{};
    return ::inet_pton(AF_INET, name.c_str(), &address) == 1 ? "" : "is not an IPv4 address (four numbers 0 to 255)";
  }
  std::istringstream labels(name + ".");  // a trailing '.' would otherwise hide an empty last label
  for (std::string label; std::getline(labels, label, '.');) {
    if (label.empty()) return "has an empty label (a leading, trailing or doubled '.')";
    if (label.size() > kMostLabelChars) {
      return fmt::format("has a label of {} characters (at most {} between dots)", label.size(), kMostLabelChars);
    }
    if (label.front() == '-' || label.back() == '-') return fmt::format("has a label '{}' that starts or ends with '-'", label);
  }
  return "";
}

}  // namespace

std::vector<HostEntry> ParseHostfile(const std::string& text, const std::string& path) {
  std::vector<HostEntry> hosts;
  std::map<std::string, std::size_t> seen;  // lowercase name -> its entry in `hosts`: host names ignore case
  std::istringstream lines(text);
  std::string raw;
  int line = 0;
  while (std::getline(lines, raw)) {
    ++line;
    // mpirun reads the same file: a line it cannot parse is refused here, before a job is launched.
    if (raw.find('\r') != std::string::npos) {
      throw InputError(path, line, "carriage return in the line (a CRLF file?): mpirun cannot read it; "
                                   "convert the file with dos2unix");
    }
    if (auto hash = raw.find('#'); hash != std::string::npos) raw.erase(hash);
    std::istringstream words(raw);
    HostEntry entry;
    if (!(words >> entry.name)) continue;
    entry.line = line;
    if (std::string problem = NameProblem(entry.name); !problem.empty()) {
      throw InputError(path, line, fmt::format("host '{}' {}", Shown(entry.name), problem));
    }
    std::string word;
    while (words >> word) {
      auto equals = word.find('=');
      std::string key = word.substr(0, equals);
      if (equals == std::string::npos || (key != "slots" && key != "max_slots" && key != "max-slots")) {
        throw InputError(path, line, fmt::format("unknown word '{}' (expected slots=N or max_slots=N)", Shown(word)));
      }
      int value = ParseSlots(word.substr(equals + 1), path, line);
      if (key == "slots") entry.slots = value;
    }
    std::string key = Lowercase(entry.name);
    if (auto it = seen.find(key); it != seen.end()) {
      const HostEntry& first = hosts[it->second];
      throw InputError(path, line, first.name == entry.name
                                       ? fmt::format("host '{}' is listed twice (first on line {})", entry.name, first.line)
                                       : fmt::format("host '{}' is listed twice (first on line {} as '{}'; host names "
                                                     "ignore case)", entry.name, first.line, first.name));
    }
    seen.emplace(key, hosts.size());
    hosts.push_back(std::move(entry));
  }
  if (hosts.empty()) throw InputError(path, 0, "no hosts listed");
  return hosts;
}

std::vector<HostEntry> LoadHostfile(const std::string& path) { return ParseHostfile(ReadFile(path), path); }

std::vector<HostEntry> HostsMissing(const std::vector<HostEntry>& hosts, const std::vector<std::string>& nodes) {
  auto short_name = [](const std::string& name) { return Lowercase(name.substr(0, name.find('.'))); };
  auto is_address = [](const std::string& name) {
    return name.find(':') != std::string::npos ||
           std::all_of(name.begin(), name.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '.'; });
  };
  auto is_loopback_name = [](const std::string& name) { return Lowercase(name).starts_with("localhost"); };
  std::vector<char> node_used(nodes.size(), 0);
  std::vector<const HostEntry*> unmatched;
  for (const HostEntry& host : hosts) {
    bool matched = false;
    for (std::size_t n = 0; n < nodes.size() && !matched; ++n) {
      if (node_used[n]) continue;
      // Host names ignore case: VM in the hostfile is the node that calls itself vm.
      matched = Lowercase(nodes[n]) == Lowercase(host.name) ||
                (!is_address(host.name) && short_name(nodes[n]) == short_name(host.name));
      if (matched) node_used[n] = 1;
    }
    if (!matched) unmatched.push_back(&host);
  }
  // A name must match; an address or a loopback name stands for whichever node came under its hostname, as long
  // as enough such nodes came.
  auto spare = static_cast<std::size_t>(std::count(node_used.begin(), node_used.end(), 0));
  std::size_t addresses = std::count_if(unmatched.begin(), unmatched.end(), [&](const HostEntry* h) {
    return is_address(h->name) || is_loopback_name(h->name);
  });
  std::vector<HostEntry> missing;
  for (const HostEntry* host : unmatched) {
    bool stand_in = (is_address(host->name) || is_loopback_name(host->name)) && addresses <= spare;
    if (!stand_in) missing.push_back(*host);
  }
  return missing;
}

}  // namespace kiln

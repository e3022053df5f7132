#include "runners/hostfile.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include <charconv>
#include <map>
#include <sstream>

#include "core/errors.hpp"
#include "core/files.hpp"

namespace kiln {
namespace {

int ParseSlots(const std::string& value, const std::string& path, int line) {
  int slots = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), slots);
  if (ec != std::errc() || end != value.data() + value.size() || slots <= 0) {
    throw InputError(path, line, fmt::format("slots must be a positive integer, not '{}'", value));
  }
  return slots;
}

}  // namespace

std::vector<HostEntry> ParseHostfile(const std::string& text, const std::string& path) {
  std::vector<HostEntry> hosts;
  std::map<std::string, int> seen;
  std::istringstream lines(text);
  std::string raw;
  int line = 0;
  while (std::getline(lines, raw)) {
    ++line;
    if (auto hash = raw.find('#'); hash != std::string::npos) raw.erase(hash);
    std::istringstream words(raw);
    HostEntry entry;
    if (!(words >> entry.name)) continue;
    entry.line = line;
    // The name reaches mpirun and ssh as a word of their command lines: an option or a control character there
    // is never a host.
    bool plain = entry.name.front() != '-' && std::all_of(entry.name.begin(), entry.name.end(), [](char c) {
      auto byte = static_cast<unsigned char>(c);
      return std::isalnum(byte) || c == '.' || c == '-' || c == '_' || c == ':' || c == '[' || c == ']';
    });
    if (!plain) {
      throw InputError(path, line, fmt::format("host '{}' is not a host name or address (letters, digits, . - _ : "
                                               "and [ ] for IPv6; not starting with -)", entry.name));
    }
    std::string word;
    while (words >> word) {
      auto equals = word.find('=');
      std::string key = word.substr(0, equals);
      if (equals == std::string::npos || (key != "slots" && key != "max_slots" && key != "max-slots")) {
        throw InputError(path, line, fmt::format("unknown word '{}' (expected slots=N or max_slots=N)", word));
      }
      int value = ParseSlots(word.substr(equals + 1), path, line);
      if (key == "slots") entry.slots = value;
    }
    if (auto [it, inserted] = seen.emplace(entry.name, line); !inserted) {
      throw InputError(path, line, fmt::format("host '{}' is listed twice (first on line {})", entry.name, it->second));
    }
    hosts.push_back(std::move(entry));
  }
  if (hosts.empty()) throw InputError(path, 0, "no hosts listed");
  return hosts;
}

std::vector<HostEntry> LoadHostfile(const std::string& path) { return ParseHostfile(ReadFile(path), path); }

std::vector<HostEntry> HostsMissing(const std::vector<HostEntry>& hosts, const std::vector<std::string>& nodes) {
  auto short_name = [](const std::string& name) { return name.substr(0, name.find('.')); };
  auto is_address = [](const std::string& name) {
    return name.find(':') != std::string::npos ||
           std::all_of(name.begin(), name.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '.'; });
  };
  std::vector<char> node_used(nodes.size(), 0);
  std::vector<const HostEntry*> unmatched;
  for (const HostEntry& host : hosts) {
    bool matched = false;
    for (std::size_t n = 0; n < nodes.size() && !matched; ++n) {
      if (node_used[n]) continue;
      matched = nodes[n] == host.name || (!is_address(host.name) && short_name(nodes[n]) == short_name(host.name));
      if (matched) node_used[n] = 1;
    }
    if (!matched) unmatched.push_back(&host);
  }
  // A name must match; an address or a loopback name stands for whichever node came under its hostname, as long
  // as enough such nodes came.
  auto spare = static_cast<std::size_t>(std::count(node_used.begin(), node_used.end(), 0));
  std::size_t addresses = std::count_if(unmatched.begin(), unmatched.end(), [&](const HostEntry* h) {
    return is_address(h->name) || h->name.starts_with("localhost");
  });
  std::vector<HostEntry> missing;
  for (const HostEntry* host : unmatched) {
    bool stand_in = (is_address(host->name) || host->name.starts_with("localhost")) && addresses <= spare;
    if (!stand_in) missing.push_back(*host);
  }
  return missing;
}

}  // namespace kiln

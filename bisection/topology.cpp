#include "bisection/topology.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/hostlist.hpp"

namespace kiln {

int Topology::Find(const std::string& name) const {
  for (std::size_t i = 0; i < switches.size(); ++i) {
    if (switches[i] == name) return static_cast<int>(i);
  }
  return -1;
}

std::vector<int> Topology::NodesUnder(int leaf) const {
  std::vector<int> nodes;
  for (std::size_t i = 0; i < leaf_of.size(); ++i) {
    if (leaf_of[i] == leaf) nodes.push_back(static_cast<int>(i));
  }
  return nodes;
}

std::string Topology::LeafName(int node) const {
  int leaf = leaf_of[static_cast<std::size_t>(node)];
  return leaf < 0 ? std::string() : switches[static_cast<std::size_t>(leaf)];
}

namespace {

// A switch above itself (SwitchName=a Switches=b, SwitchName=b Switches=a): no tree. Names the Switches= line
// that closes the loop.
void RejectCycles(const Topology& t, const std::vector<int>& parent_line) {
  const std::size_t count = t.switches.size();
  std::vector<char> state(count, 0);  // 0 unseen, 1 on the current path, 2 known to reach the top
  for (std::size_t start = 0; start < count; ++start) {
    std::vector<std::size_t> path;
    std::size_t sw = start;
    while (state[sw] == 0) {
      state[sw] = 1;
      path.push_back(sw);
      const int up = t.parent[sw];
      if (up < 0) break;
      sw = static_cast<std::size_t>(up);
      if (state[sw] == 1) {
        throw InputError(t.path, parent_line[path.back()],
                         fmt::format("switches form a loop: '{}' is above '{}', which is (through Switches=) above "
                                     "it",
                                     t.switches[sw], t.switches[path.back()]));
      }
    }
    for (std::size_t s : path) state[s] = 2;
  }
}

// No node of the cluster placed: most likely short names against FQDNs (or another cluster's file), which would
// switch every topology check off without a word.
void RejectPlacingNone(const Topology& t, const std::vector<std::string>& nodes, const std::string& first_listed) {
  if (nodes.empty() || std::any_of(t.leaf_of.begin(), t.leaf_of.end(), [](int leaf) { return leaf >= 0; })) return;
  throw InputError(t.path, 0, fmt::format("places none of the cluster's {} nodes ({}{}; the file's first: '{}'): its "
                                          "node names must be the cluster's (short names against FQDNs?)",
                                          nodes.size(), nodes.front(), nodes.size() > 1 ? ", ..." : "",
                                          first_listed.empty() ? "none" : first_listed));
}

}  // namespace

Topology LoadTopology(const std::string& path, const std::vector<std::string>& nodes) {
  Topology t;
  t.path = path;
  t.leaf_of.assign(nodes.size(), -1);
  std::map<std::string, int> index;
  for (std::size_t i = 0; i < nodes.size(); ++i) index[nodes[i]] = static_cast<int>(i);
  struct Uplinks {
    int sw, line;
    std::string hostlist;
  };
  std::vector<Uplinks> children;
  std::string first_listed;  // for the message when no node of the file is in the cluster
  std::istringstream text(ReadFile(path));
  int number = 0;
  for (std::string line; std::getline(text, line);) {
    ++number;
    if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    std::istringstream words(line);
    std::string name, node_list, switch_list;
    std::set<std::string> seen;
    for (std::string word; words >> word;) {
      auto eq = word.find('=');
      std::string key = word.substr(0, eq), value = eq == std::string::npos ? "" : word.substr(eq + 1);
      if (eq == std::string::npos || value.empty()) throw InputError(path, number, fmt::format("'{}' is not KEY=VALUE", word));
      std::string* slot = key == "SwitchName" ? &name : key == "Nodes" ? &node_list : key == "Switches" ? &switch_list : nullptr;
      if (slot == nullptr && key != "LinkSpeed") {
        throw InputError(path, number, fmt::format("unknown key '{}' (SwitchName, Nodes, Switches, LinkSpeed)", key));
      }
      // Twice on one line: keeping either list would silently drop the other's nodes or switches.
      if (!seen.insert(key).second) throw InputError(path, number, fmt::format("'{}=' is given twice on one line", key));
      if (slot != nullptr) *slot = value;
    }
    if (name.empty() && node_list.empty() && switch_list.empty()) continue;
    if (name.empty()) throw InputError(path, number, "a line needs SwitchName=NAME");
    if (t.Find(name) >= 0) throw InputError(path, number, fmt::format("switch '{}' is defined twice", name));
    const int sw = static_cast<int>(t.switches.size());
    t.switches.push_back(name);
    t.parent.push_back(-1);
    std::vector<std::string> listed;
    try {
      listed = node_list.empty() ? listed : ExpandHostlist(node_list);
    } catch (const InputError& e) {
      throw InputError(path, number, e.what());
    }
    if (first_listed.empty() && !listed.empty()) first_listed = listed.front();
    for (const std::string& node : listed) {
      auto it = index.find(node);
      if (it == index.end()) continue;
      int& leaf = t.leaf_of[static_cast<std::size_t>(it->second)];
      if (leaf >= 0) {
        throw InputError(path, number, fmt::format("node '{}' is under both {} and {}", node,
                                                   t.switches[static_cast<std::size_t>(leaf)], name));
      }
      leaf = sw;
    }
    if (!switch_list.empty()) children.push_back({sw, number, switch_list});
  }
  std::vector<int> parent_line(t.switches.size(), 0);
  for (const Uplinks& up : children) {
    std::vector<std::string> names;
    try {
      names = ExpandHostlist(up.hostlist);
    } catch (const InputError& e) {
      throw InputError(path, up.line, e.what());
    }
    for (const std::string& child : names) {
      int c = t.Find(child);
      if (c < 0) throw InputError(path, up.line, fmt::format("Switches= names '{}', which no line defines", child));
      t.parent[static_cast<std::size_t>(c)] = up.sw;
      parent_line[static_cast<std::size_t>(c)] = up.line;
    }
  }
  RejectCycles(t, parent_line);
  RejectPlacingNone(t, nodes, first_listed);
  return t;
}

}  // namespace kiln

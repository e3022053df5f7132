#include "bisection/topology.hpp"

#include <fmt/format.h>

#include <map>
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
  std::istringstream text(ReadFile(path));
  int number = 0;
  for (std::string line; std::getline(text, line);) {
    ++number;
    if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    std::istringstream words(line);
    std::string name, node_list, switch_list;
    for (std::string word; words >> word;) {
      auto eq = word.find('=');
      std::string key = word.substr(0, eq), value = eq == std::string::npos ? "" : word.substr(eq + 1);
      if (eq == std::string::npos || value.empty()) throw InputError(path, number, fmt::format("'{}' is not KEY=VALUE", word));
      if (key == "SwitchName") name = value;
      else if (key == "Nodes") node_list = value;
      else if (key == "Switches") switch_list = value;
      else if (key != "LinkSpeed") {
        throw InputError(path, number, fmt::format("unknown key '{}' (SwitchName, Nodes, Switches, LinkSpeed)", key));
      }
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
    }
  }
  return t;
}

}  // namespace kiln

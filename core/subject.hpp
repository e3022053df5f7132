#pragma once
// What a number is about: a node, a device on a node, a pair of nodes, or a group of nodes.

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

namespace kiln {

enum class SubjectKind { kNode, kDevice, kPair, kGroup };

struct Subject {
  SubjectKind kind = SubjectKind::kNode;
  std::vector<std::string> nodes;  // one for node/device, two for a pair, all members for a group
  std::string device;              // "gpu0", "mlx5_0/1"; empty unless kind is kDevice

  static Subject Node(std::string node);
  static Subject Device(std::string node, std::string device);
  static Subject Pair(std::string a, std::string b);
  static Subject Group(std::vector<std::string> nodes);

  // "node1", "node1/gpu0", "node1<->node2", "group(4):node1,node2,..." : stable, used as a key.
  std::string Key() const;
  // Key() for people: a group of more than `max_nodes` names its first ones and counts the rest.
  std::string Label(std::size_t max_nodes = 8) const;
  friend bool operator==(const Subject&, const Subject&) = default;
};

std::string_view ToString(SubjectKind kind);
SubjectKind SubjectKindFromString(std::string_view text);  // throws std::invalid_argument

void to_json(nlohmann::json& j, const Subject& subject);
void from_json(const nlohmann::json& j, Subject& subject);

}  // namespace kiln

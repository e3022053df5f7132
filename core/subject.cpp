#include "core/subject.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace kiln {

Subject Subject::Node(std::string node) { return {SubjectKind::kNode, {std::move(node)}, {}}; }

Subject Subject::Device(std::string node, std::string device) {
  return {SubjectKind::kDevice, {std::move(node)}, std::move(device)};
}

Subject Subject::Pair(std::string a, std::string b) {
  return {SubjectKind::kPair, {std::move(a), std::move(b)}, {}};
}

Subject Subject::Group(std::vector<std::string> nodes) {
  return {SubjectKind::kGroup, std::move(nodes), {}};
}

std::string Subject::Key() const {
  switch (kind) {
    case SubjectKind::kNode:
      return nodes.empty() ? std::string() : nodes[0];
    case SubjectKind::kDevice:
      return fmt::format("{}/{}", nodes.empty() ? "" : nodes[0], device);
    case SubjectKind::kPair:
      return fmt::format("{}", fmt::join(nodes, "<->"));
    case SubjectKind::kGroup:
      return fmt::format("group({}):{}", nodes.size(), fmt::join(nodes, ","));
  }
  return {};
}

std::string Subject::Label(std::size_t max_nodes) const {
  if (kind != SubjectKind::kGroup || nodes.size() <= max_nodes) return Key();
  std::vector<std::string> first(nodes.begin(), nodes.begin() + static_cast<std::ptrdiff_t>(max_nodes));
  return fmt::format("group({}):{},... (+{})", nodes.size(), fmt::join(first, ","), nodes.size() - max_nodes);
}

std::string_view ToString(SubjectKind kind) {
  switch (kind) {
    case SubjectKind::kNode: return "node";
    case SubjectKind::kDevice: return "device";
    case SubjectKind::kPair: return "pair";
    case SubjectKind::kGroup: return "group";
  }
  return "node";
}

SubjectKind SubjectKindFromString(std::string_view text) {
  if (text == "node") return SubjectKind::kNode;
  if (text == "device") return SubjectKind::kDevice;
  if (text == "pair") return SubjectKind::kPair;
  if (text == "group") return SubjectKind::kGroup;
  throw std::invalid_argument(fmt::format("unknown subject kind '{}'", text));
}

void to_json(nlohmann::json& j, const Subject& subject) {
  j = nlohmann::json{{"kind", ToString(subject.kind)}, {"nodes", subject.nodes}};
  if (!subject.device.empty()) j["device"] = subject.device;
}

void from_json(const nlohmann::json& j, Subject& subject) {
  subject.kind = SubjectKindFromString(j.at("kind").get<std::string>());
  subject.nodes = j.at("nodes").get<std::vector<std::string>>();
  subject.device = j.value("device", std::string());
}

}  // namespace kiln

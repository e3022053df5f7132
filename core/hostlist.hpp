#pragma once
// Node lists in Slurm's hostlist notation, "node[0001-0016,0018],login1": how reports name thousands of nodes in a
// few bytes. Names are grouped by prefix and zero-padded width of their trailing number; the order is not kept.

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace kiln {

// "node[00000-32767],gpu7": the set of `names` (duplicates dropped) in hostlist notation.
std::string CompressHostlist(const std::vector<std::string>& names);

// The names a hostlist expression stands for, in its order. Throws InputError on malformed text (unbalanced
// brackets, a reversed or empty range) or when it would expand to more than `limit` names.
std::vector<std::string> ExpandHostlist(std::string_view text, std::size_t limit = 1u << 22);

// A report's node list: a hostlist string, or the names as a JSON array when one of them holds a character the
// notation uses ('[', ']', ',') or is empty, so that nothing is ambiguous.
nlohmann::json NodeListJson(const std::vector<std::string>& names);
// For people: the hostlist (or the names joined with ',' when the notation cannot carry them), cut at
// `max_chars` with "..." when longer.
std::string ShortNodeList(const std::vector<std::string>& names, std::size_t max_chars = 160);

// Reads either form back. Throws InputError on anything else.
std::vector<std::string> NodesFromJson(const nlohmann::json& value);

}  // namespace kiln

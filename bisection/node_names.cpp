#include "bisection/node_names.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <string_view>

namespace kiln {
namespace {

// As core/hostlist.cpp: names with these cannot be written as a hostlist; numbers over 18 digits stay whole.
bool HasSpecial(std::string_view name) { return name.empty() || name.find_first_of("[],") != std::string_view::npos; }

std::string Padded(unsigned long long value, std::size_t width) { return fmt::format("{:0{}}", value, width); }

}  // namespace

NodeNames::NodeNames(const std::vector<std::string>& names) : names_(names) {
  std::map<std::pair<std::string, std::size_t>, int> key_index;
  parsed_.resize(names.size());
  special_.resize(names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    std::string_view name = names[i];
    special_[i] = HasSpecial(name) ? 1 : 0;
    std::size_t cut = name.size();
    while (cut > 0 && std::isdigit(static_cast<unsigned char>(name[cut - 1]))) --cut;
    if (name.size() - cut > 18 || cut == name.size()) continue;
    std::pair<std::string, std::size_t> key{std::string(name.substr(0, cut)), name.size() - cut};
    auto [it, inserted] = key_index.try_emplace(key, static_cast<int>(keys_.size()));
    if (inserted) keys_.push_back({key.first, key.second});
    parsed_[i] = {it->second, std::stoull(std::string(name.substr(cut)))};
  }
}

nlohmann::json NodeNames::List(const std::vector<int>& nodes) const {
  auto at = [](int node) { return static_cast<std::size_t>(node); };
  if (std::any_of(nodes.begin(), nodes.end(), [&](int n) { return special_[at(n)] != 0; })) {
    nlohmann::json out = nlohmann::json::array();
    for (int n : nodes) out.push_back(names_[at(n)]);
    return out;
  }
  // Keys in the order of their first name in the list, each with its sorted numbers; plain names sorted last.
  std::vector<int> order;
  std::vector<std::vector<unsigned long long>> numbers(keys_.size());
  std::vector<std::string> plain;
  for (int n : nodes) {
    const Parsed& p = parsed_[at(n)];
    if (p.key < 0) {
      plain.push_back(names_[at(n)]);
      continue;
    }
    auto& list = numbers[static_cast<std::size_t>(p.key)];
    if (list.empty()) order.push_back(p.key);
    list.push_back(p.number);
  }
  std::string out;
  auto append = [&out](const std::string& part) {
    if (!out.empty()) out += ',';
    out += part;
  };
  for (int k : order) {
    std::vector<unsigned long long>& values = numbers[static_cast<std::size_t>(k)];
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    const Key& key = keys_[static_cast<std::size_t>(k)];
    if (values.size() == 1) {
      append(key.prefix + Padded(values[0], key.width));
      continue;
    }
    std::string group = key.prefix + '[';
    for (std::size_t i = 0; i < values.size();) {
      std::size_t j = i;
      while (j + 1 < values.size() && values[j + 1] == values[j] + 1) ++j;
      if (i > 0) group += ',';
      group += Padded(values[i], key.width);
      if (j > i) group += '-' + Padded(values[j], key.width);
      i = j + 1;
    }
    append(group + ']');
  }
  std::sort(plain.begin(), plain.end());
  plain.erase(std::unique(plain.begin(), plain.end()), plain.end());
  for (const std::string& name : plain) append(name);
  return out;
}

}  // namespace kiln

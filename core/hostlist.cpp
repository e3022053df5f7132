#include "core/hostlist.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "core/errors.hpp"

namespace kiln {
namespace {

bool HasSpecial(std::string_view name) {
  return name.empty() || name.find_first_of("[],") != std::string_view::npos;
}

// Splits "node0017" into "node", "0017"; a name without trailing digits has an empty number.
std::pair<std::string_view, std::string_view> SplitNumber(std::string_view name) {
  std::size_t cut = name.size();
  while (cut > 0 && std::isdigit(static_cast<unsigned char>(name[cut - 1]))) --cut;
  // Numbers longer than 18 digits do not fit a range; such names stay whole.
  if (name.size() - cut > 18) cut = name.size();
  return {name.substr(0, cut), name.substr(cut)};
}

std::string Padded(unsigned long long value, std::size_t width) { return fmt::format("{:0{}}", value, width); }

}  // namespace

std::string CompressHostlist(const std::vector<std::string>& names) {
  // Key: prefix and the number's width (a padded "007" and a bare "7" are different names).
  std::map<std::pair<std::string, std::size_t>, std::set<unsigned long long>> numbered;
  std::set<std::string> plain;
  std::vector<std::pair<std::string, std::size_t>> order;
  for (const std::string& name : names) {
    auto [prefix, number] = SplitNumber(name);
    if (number.empty()) {
      plain.insert(name);
      continue;
    }
    std::pair<std::string, std::size_t> key{std::string(prefix), number.size()};
    auto [it, inserted] = numbered.try_emplace(key);
    if (inserted) order.push_back(key);
    it->second.insert(std::stoull(std::string(number)));
  }
  std::string out;
  auto append = [&out](const std::string& part) {
    if (!out.empty()) out += ',';
    out += part;
  };
  for (const auto& key : order) {
    const std::set<unsigned long long>& values = numbered[key];
    const auto& [prefix, width] = key;
    if (values.size() == 1) {
      append(prefix + Padded(*values.begin(), width));
      continue;
    }
    std::string ranges;
    for (auto it = values.begin(); it != values.end();) {
      unsigned long long first = *it, last = *it;
      for (++it; it != values.end() && *it == last + 1; ++it) last = *it;
      if (!ranges.empty()) ranges += ',';
      ranges += Padded(first, width);
      if (last != first) {
        ranges += '-';
        ranges += Padded(last, width);
      }
    }
    std::string group = prefix;
    group += '[';
    group += ranges;
    group += ']';
    append(group);
  }
  for (const std::string& name : plain) append(name);
  return out;
}

std::vector<std::string> ExpandHostlist(std::string_view text, std::size_t limit) {
  std::vector<std::string> out;
  auto bad = [&](const std::string& why) {
    return InputError(fmt::format("hostlist '{}': {}", text.substr(0, 200), why));
  };
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t end = i;
    while (end < text.size() && text[end] != ',' && text[end] != '[') ++end;
    std::string prefix(text.substr(i, end - i));
    if (end < text.size() && text[end] == '[') {
      std::size_t close = text.find(']', end);
      if (close == std::string_view::npos) throw bad("a '[' without its ']'");
      std::string_view body = text.substr(end + 1, close - end - 1);
      if (body.empty()) throw bad("empty brackets");
      std::size_t p = 0;
      while (p <= body.size()) {
        std::size_t comma = body.find(',', p);
        if (comma == std::string_view::npos) comma = body.size();
        std::string_view part = body.substr(p, comma - p);
        std::size_t dash = part.find('-');
        std::string_view a = part.substr(0, dash), b = dash == std::string_view::npos ? a : part.substr(dash + 1);
        auto digits = [](std::string_view s) {
          return !s.empty() && s.size() <= 18 &&
                 std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
        };
        if (!digits(a) || !digits(b)) throw bad(fmt::format("'{}' is not a number or a range", part));
        unsigned long long from = std::stoull(std::string(a)), to = std::stoull(std::string(b));
        if (to < from) throw bad(fmt::format("the range '{}' runs backwards", part));
        if (to - from >= limit || out.size() + (to - from + 1) > limit) throw bad(fmt::format("more than {} names", limit));
        for (unsigned long long v = from; v <= to; ++v) out.push_back(prefix + Padded(v, a.size()));
        p = comma + 1;
      }
      i = close + 1;
      if (i < text.size() && text[i] != ',') throw bad("text after ']' (only one bracket per name)");
      ++i;
    } else {
      if (prefix.empty()) throw bad("an empty name");
      if (prefix.find(']') != std::string::npos) throw bad("a ']' without its '['");
      if (out.size() + 1 > limit) throw bad(fmt::format("more than {} names", limit));
      out.push_back(prefix);
      i = end + 1;
    }
  }
  return out;
}

nlohmann::json NodeListJson(const std::vector<std::string>& names) {
  if (std::any_of(names.begin(), names.end(), [](const std::string& n) { return HasSpecial(n); })) return names;
  return CompressHostlist(names);
}

std::string ShortNodeList(const std::vector<std::string>& names, std::size_t max_chars) {
  nlohmann::json list = NodeListJson(names);
  std::string text;
  if (list.is_string()) {
    text = list.get<std::string>();
  } else {
    for (const std::string& n : names) {
      if (!text.empty()) text += ',';
      text += n;
      if (text.size() > max_chars) break;
    }
  }
  if (text.size() > max_chars) text = text.substr(0, max_chars > 3 ? max_chars - 3 : 0) + "...";
  return text;
}

std::vector<std::string> NodesFromJson(const nlohmann::json& value) {
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    return text.empty() ? std::vector<std::string>{} : ExpandHostlist(text);
  }
  if (value.is_array()) {
    std::vector<std::string> names;
    for (const nlohmann::json& n : value) {
      if (!n.is_string()) throw InputError("a node list holds something other than names");
      names.push_back(n.get<std::string>());
    }
    return names;
  }
  throw InputError("a node list is neither a hostlist string nor an array of names");
}

}  // namespace kiln

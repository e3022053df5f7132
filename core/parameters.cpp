#include "core/parameters.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <stdexcept>

#include "core/errors.hpp"

namespace kiln {
namespace {

template <typename T>
std::optional<T> ParseNumber(const std::string& text) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<ParamValue> ParseValue(ParamType type, const std::string& text) {
  switch (type) {
    case ParamType::kInt:
      if (auto v = ParseNumber<std::int64_t>(text); v && *v >= 0) return ParamValue(*v);
      return std::nullopt;
    case ParamType::kDouble:
      if (auto v = ParseNumber<double>(text); v && *v >= 0) return ParamValue(*v);
      return std::nullopt;
    case ParamType::kBool:
      if (text == "true" || text == "1" || text == "yes") return ParamValue(true);
      if (text == "false" || text == "0" || text == "no") return ParamValue(false);
      return std::nullopt;
    case ParamType::kString:
      return ParamValue(text);
    case ParamType::kBytes:
      if (auto v = ParseBytes(text)) return ParamValue(*v);
      return std::nullopt;
    case ParamType::kByteList:
      if (auto v = ParseByteList(text)) return ParamValue(*v);
      return std::nullopt;
    case ParamType::kDuration:
      if (auto v = ParseDuration(text)) return ParamValue(*v);
      return std::nullopt;
  }
  return std::nullopt;
}

std::string_view Expected(ParamType type) {
  switch (type) {
    case ParamType::kInt: return "a non-negative integer";
    case ParamType::kDouble: return "a non-negative number";
    case ParamType::kBool: return "true or false";
    case ParamType::kString: return "text";
    case ParamType::kBytes: return "a size such as 4096, 64KiB or 256MiB";
    case ParamType::kByteList: return "sizes such as 8B..256MiB or 8B,1MiB";
    case ParamType::kDuration: return "a duration such as 500ms, 30s, 5m or 2h";
  }
  return "a value";
}

}  // namespace

std::string_view ToString(ParamType type) {
  switch (type) {
    case ParamType::kInt: return "int";
    case ParamType::kDouble: return "number";
    case ParamType::kBool: return "bool";
    case ParamType::kString: return "string";
    case ParamType::kBytes: return "bytes";
    case ParamType::kByteList: return "byte-list";
    case ParamType::kDuration: return "duration";
  }
  return "?";
}

Parameters Parameters::Parse(const std::vector<ParamSpec>& specs,
                             const std::map<std::string, std::string>& given,
                             const std::string& where) {
  Parameters parameters;
  for (const auto& [name, text] : given) {
    bool known = false;
    for (const auto& spec : specs) known = known || spec.name == name;
    if (!known) {
      std::string names;
      for (const auto& spec : specs) names += (names.empty() ? "" : ", ") + spec.name;
      throw InputError(fmt::format("{}: unknown parameter '{}' (known: {})", where, name,
                                   names.empty() ? "none" : names));
    }
  }
  for (const auto& spec : specs) {
    auto it = given.find(spec.name);
    const std::string& text = it != given.end() ? it->second : spec.default_value;
    auto value = ParseValue(spec.type, text);
    if (!value) {
      throw InputError(fmt::format("{}: parameter '{}' = '{}' is not {}", where, spec.name, text,
                                   Expected(spec.type)));
    }
    parameters.values_.emplace(spec.name, std::move(*value));
    parameters.text_.emplace(spec.name, text);
  }
  return parameters;
}

const ParamValue& Parameters::Get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) throw std::logic_error(fmt::format("parameter '{}' was not declared", name));
  return it->second;
}

std::int64_t Parameters::Int(const std::string& name) const { return std::get<std::int64_t>(Get(name)); }
double Parameters::Double(const std::string& name) const { return std::get<double>(Get(name)); }
bool Parameters::Bool(const std::string& name) const { return std::get<bool>(Get(name)); }
const std::string& Parameters::String(const std::string& name) const {
  return std::get<std::string>(Get(name));
}
std::uint64_t Parameters::Bytes(const std::string& name) const {
  return std::get<std::uint64_t>(Get(name));
}
const std::vector<std::uint64_t>& Parameters::ByteList(const std::string& name) const {
  return std::get<std::vector<std::uint64_t>>(Get(name));
}
Seconds Parameters::Duration(const std::string& name) const { return std::get<Seconds>(Get(name)); }

bool ParameterAsksFor(ParamType type, const std::string& given, const std::string& value) {
  if (type == ParamType::kByteList || type == ParamType::kBytes) {
    auto sizes = ParseByteList(given);
    auto wanted = ParseBytes(value);
    if (!sizes || !wanted) return true;
    return std::find(sizes->begin(), sizes->end(), *wanted) != sizes->end();
  }
  if (type != ParamType::kString) return true;
  std::size_t start = 0;
  while (start <= given.size()) {
    std::size_t end = given.find(',', start);
    if (end == std::string::npos) end = given.size();
    std::string item = given.substr(start, end - start);
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (item == value) return true;
    start = end + 1;
  }
  return false;
}

}  // namespace kiln

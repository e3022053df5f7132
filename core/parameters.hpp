#pragma once
// Typed probe parameters: each probe declares its specs; suites give text values that are checked here.

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "core/units.hpp"

namespace kiln {

enum class ParamType { kInt, kDouble, kBool, kString, kBytes, kByteList, kDuration };

struct ParamSpec {
  std::string name;
  ParamType type;
  std::string default_value;  // text, parsed like a suite value; must be valid
  std::string description;
  // The measurement label whose values this parameter chooses ("types" -> "type", "sizes" -> "size"): a rule on
  // a label value the step did not ask for is not judged by that step (it costs coverage), while one it asked
  // for and did not deliver fails.
  std::string label{};
};

// Whether `value` of a label is among the values `given` of a parameter of type `type` ("bf16" in
// "bf16,fp32"; "16GiB" in "8B..16GiB"). Unparseable text counts as asked for: what cannot be read is never
// waived.
bool ParameterAsksFor(ParamType type, const std::string& given, const std::string& value);

using ParamValue = std::variant<std::int64_t, double, bool, std::string, std::uint64_t,
                                std::vector<std::uint64_t>, Seconds>;

class Parameters {
 public:
  // Checks `given` against `specs`: unknown names, malformed or negative values throw InputError whose
  // text starts with `where` (file:line of the suite step). Missing values take the spec's default.
  static Parameters Parse(const std::vector<ParamSpec>& specs,
                          const std::map<std::string, std::string>& given, const std::string& where);

  std::int64_t Int(const std::string& name) const;
  double Double(const std::string& name) const;
  bool Bool(const std::string& name) const;
  const std::string& String(const std::string& name) const;
  std::uint64_t Bytes(const std::string& name) const;
  const std::vector<std::uint64_t>& ByteList(const std::string& name) const;
  Seconds Duration(const std::string& name) const;

  // The values as given or defaulted, as text: what the report shows under "how measured".
  const std::map<std::string, std::string>& Text() const { return text_; }

 private:
  const ParamValue& Get(const std::string& name) const;
  std::map<std::string, ParamValue> values_;
  std::map<std::string, std::string> text_;
};

std::string_view ToString(ParamType type);

}  // namespace kiln

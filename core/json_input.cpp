#include "core/json_input.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "core/errors.hpp"

namespace kiln {
namespace {

using nlohmann::json;

// nlohmann's DOM builder, plus where in the document the parser is: the key or array index of each open level.
class LocatingSax {
 public:
  explicit LocatingSax(json& root) : dom_(root, true) {}

  bool null() { return Value() && dom_.null(); }
  bool boolean(bool v) { return Value() && dom_.boolean(v); }
  bool number_integer(json::number_integer_t v) { return Value() && dom_.number_integer(v); }
  bool number_unsigned(json::number_unsigned_t v) { return Value() && dom_.number_unsigned(v); }
  bool number_float(json::number_float_t v, const json::string_t& s) { return Value() && dom_.number_float(v, s); }
  bool string(json::string_t& v) { return Value() && dom_.string(v); }
  bool binary(json::binary_t& v) { return Value() && dom_.binary(v); }
  bool start_object(std::size_t n) {
    Value();
    levels_.push_back({false, 0, ""});
    return dom_.start_object(n);
  }
  bool key(json::string_t& k) {
    levels_.back().key = k;
    return dom_.key(k);
  }
  bool end_object() {
    levels_.pop_back();
    return dom_.end_object();
  }
  bool start_array(std::size_t n) {
    Value();
    levels_.push_back({true, 0, ""});
    return dom_.start_array(n);
  }
  bool end_array() {
    levels_.pop_back();
    return dom_.end_array();
  }
  // Stops the parse; ParseJsonInput says where.
  bool parse_error(std::size_t position, const std::string& token, const json::exception& error) {
    position_ = position;
    token_ = token;
    message_ = error.what();
    out_of_range_ = error.id == 406;
    return false;
  }

  // "measurements[3].samples[0]": the value being read when the parser stopped.
  std::string Field() const {
    std::string field;
    for (std::size_t i = 0; i < levels_.size(); ++i) {
      const Level& level = levels_[i];
      bool innermost = i + 1 == levels_.size();
      if (level.array) {
        // Elements are counted as they start: an enclosing array is inside its last one, the innermost
        // array at the one that failed to start.
        field += fmt::format("[{}]", innermost ? level.count : level.count - 1);
      } else if (!level.key.empty()) {
        field += (field.empty() ? "" : ".") + level.key;
      }
    }
    return field.empty() ? "the top level" : field;
  }
  std::size_t position() const { return position_; }
  const std::string& token() const { return token_; }
  const std::string& message() const { return message_; }
  bool out_of_range() const { return out_of_range_; }

 private:
  struct Level {
    bool array;
    std::size_t count;
    std::string key;
  };
  bool Value() {
    if (!levels_.empty() && levels_.back().array) ++levels_.back().count;
    return true;
  }
  nlohmann::detail::json_sax_dom_parser<json> dom_;
  std::vector<Level> levels_;
  std::size_t position_ = 0;
  std::string token_, message_;
  bool out_of_range_ = false;
};

}  // namespace

json ParseJsonInput(std::string_view text, const std::string& path) {
  json root;
  LocatingSax sax(root);
  std::string message;
  try {
    if (json::sax_parse(text, &sax)) return root;
    message = sax.message();
  } catch (const json::exception& e) {  // the DOM builder's own limits (an excessive size)
    message = e.what();
  }
  std::size_t end = std::min(sax.position(), text.size());
  int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(end), '\n'));
  if (sax.out_of_range()) {
    throw InputError(path, line, fmt::format("number {} at {} is beyond the range of a double", sax.token(),
                                             sax.Field()));
  }
  throw InputError(path, line, fmt::format("not valid JSON at {}: {}", sax.Field(), message));
}

}  // namespace kiln

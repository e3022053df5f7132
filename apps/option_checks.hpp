#pragma once
// Checks for command-line values that CLI11's own validators let through: "nan" passes CLI::PositiveNumber
// (every comparison with NaN is false), and an empty string given on purpose looks like an option not given.

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cmath>
#include <string>

namespace kiln {

// A finite number above 0 and at most `max`.
inline CLI::Validator FinitePositive(double max) {
  return CLI::Validator(
      [max](std::string& text) -> std::string {
        double value = 0;
        if (!CLI::detail::lexical_cast(text, value) || !std::isfinite(value) || value <= 0 || value > max) {
          return fmt::format("'{}' is not a number above 0 and at most {:g}", text, max);
        }
        return {};
      },
      "POSITIVE", "FinitePositive");
}

// A value that may not be empty: `--history ''` would otherwise record nothing, silently.
inline CLI::Validator NonEmpty() {
  return CLI::Validator(
      [](std::string& text) -> std::string { return text.empty() ? "an empty value names nothing" : ""; }, "",
      "NonEmpty");
}

}  // namespace kiln

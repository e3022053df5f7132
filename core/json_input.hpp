#pragma once
// JSON input files (reports, checkpoints) parsed so that every way they can be wrong is the file's fault, said
// with its name, line and field: nlohmann's own parse() reports "1e400" as an internal out_of_range error with
// neither.

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace kiln {

// Throws InputError "path:line: ..." for text that is not JSON, and for a number beyond a double's range
// naming the field ("measurements[3].samples[0]").
nlohmann::json ParseJsonInput(std::string_view text, const std::string& path);

}  // namespace kiln

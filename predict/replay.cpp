#include "predict/replay.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>

#include "core/errors.hpp"

namespace kiln::predict {
namespace {

using nlohmann::json;

// Prometheus' HTTP API gives values as strings ("12", "NaN"); a replay may keep them.
double NumberOf(const json& value, const std::string& file, int line_number, const char* field) {
  if (value.is_number()) return value.get<double>();
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    try {
      std::size_t used = 0;
      double number = std::stod(text, &used);
      if (used == text.size()) return number;
    } catch (const std::exception&) {
    }
  }
  throw InputError(file, line_number, fmt::format("\"{}\" must be a number, not {}", field, value.dump()));
}

const std::string& StringField(const json& sample, const char* field, const std::string& file, int line_number) {
  auto it = sample.find(field);
  if (it == sample.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    throw InputError(file, line_number, fmt::format("a sample needs a non-empty string \"{}\"", field));
  }
  return it->get_ref<const std::string&>();
}

std::string DeviceOf(const json& sample, Signal signal, const std::string& file, int line_number) {
  auto labels = sample.find("labels");
  if (labels == sample.end() || labels->is_null()) return "";
  if (!labels->is_object()) throw InputError(file, line_number, "\"labels\" must be an object");
  std::map<std::string, std::string> kept;  // sorted, so {"port","device"} and {"device","port"} are one series
  for (const auto& [name, value] : labels->items()) {
    if (!IsIdentifyingLabel(signal, name)) continue;
    kept[name] = value.is_string() ? value.get<std::string>() : value.dump();
  }
  std::string device;
  for (const auto& [name, value] : kept) device += fmt::format("{}{}={}", device.empty() ? "" : ",", name, value);
  return device;
}

}  // namespace

void Replay::AddLine(const std::string& line, const std::string& file, int line_number) {
  if (line.find_first_not_of(" \t\r") == std::string::npos) return;
  json sample = json::parse(line, nullptr, false);
  if (sample.is_discarded() || !sample.is_object()) throw InputError(file, line_number, "not a JSON object");
  const std::string& metric = StringField(sample, "metric", file, line_number);
  Signal signal = SignalOf(metric);
  if (signal == Signal::kUnknown) {
    ++lines_ignored_;
    return;
  }
  auto t = sample.find("t");
  auto value = sample.find("value");
  if (t == sample.end()) throw InputError(file, line_number, "a sample needs \"t\" (unix seconds)");
  if (value == sample.end()) throw InputError(file, line_number, "a sample needs \"value\"");
  double seconds = NumberOf(*t, file, line_number, "t");
  double number = NumberOf(*value, file, line_number, "value");
  if (!std::isfinite(seconds) || seconds < 0 || seconds > 4e10) {
    throw InputError(file, line_number, fmt::format("\"t\" is not a time in unix seconds: {}", t->dump()));
  }
  if (!std::isfinite(number)) {  // an exporter's NaN says "no value": the series keeps its last one
    ++lines_ignored_;
    return;
  }
  SeriesKey key{StringField(sample, "node", file, line_number), metric, DeviceOf(sample, signal, file, line_number), signal};
  samples_.push_back({static_cast<std::int64_t>(std::floor(seconds)), Intern(std::move(key)), number});
}

std::uint32_t Replay::Intern(SeriesKey key) {
  std::string name = key.node + '\x1f' + key.metric + '\x1f' + key.device;
  auto [it, added] = index_.try_emplace(std::move(name), static_cast<std::uint32_t>(series_.size()));
  if (added) series_.push_back(std::move(key));
  return it->second;
}

void Replay::AddStream(std::istream& in, const std::string& file) {
  std::string line;
  int line_number = 0;
  while (std::getline(in, line)) AddLine(line, file, ++line_number);
}

void Replay::Sort() {
  // Rank the series by name: interning order follows the file's line order, which must not matter.
  std::vector<std::uint32_t> order(series_.size());
  std::iota(order.begin(), order.end(), 0u);
  auto name = [this](std::uint32_t i) { return std::tie(series_[i].node, series_[i].metric, series_[i].device); };
  std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return name(a) < name(b); });
  std::vector<std::uint32_t> rank(series_.size());
  for (std::uint32_t r = 0; r < order.size(); ++r) rank[order[r]] = r;
  std::stable_sort(samples_.begin(), samples_.end(), [&](const Sample& a, const Sample& b) {
    return a.t != b.t ? a.t < b.t : rank[a.series] < rank[b.series];
  });
}

Replay ReadReplay(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(path, 0, fmt::format("cannot open the replay: {}", std::strerror(errno)));
  Replay replay;
  replay.AddStream(in, path);
  if (in.bad()) ThrowSystemError(errno, fmt::format("cannot read replay '{}'", path));
  replay.Sort();
  return replay;
}

}  // namespace kiln::predict

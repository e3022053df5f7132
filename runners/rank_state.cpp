#include "runners/rank_state.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <tuple>

#include "core/units.hpp"

namespace kiln {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxDoing = 120;
constexpr std::size_t kNamedAtMost = 3;

// Where a rank is: one with a smaller position is behind the others.
std::tuple<std::size_t, int, bool> Position(const RankState& s) { return {s.step, s.round, s.gathering}; }

std::string Named(int rank, const std::vector<std::string>& rank_nodes) {
  return fmt::format("rank {} on {}", rank, rank_nodes[static_cast<std::size_t>(rank)]);
}

std::string Listed(const std::vector<std::string>& items) {
  std::string text;
  for (std::size_t i = 0; i < items.size() && i < kNamedAtMost; ++i) text += (i == 0 ? "" : ", ") + items[i];
  if (items.size() > kNamedAtMost) text += fmt::format(" and {} more", items.size() - kNamedAtMost);
  return text;
}

// "silent: rank 3 on node-c (nothing for 12s)", or empty when every rank was heard lately.
std::string Silent(const std::vector<std::optional<HeardState>>& heard, const std::vector<std::string>& rank_nodes,
                   double silent_after_s) {
  std::vector<std::string> silent;
  for (std::size_t r = 0; r < heard.size(); ++r) {
    const int rank = static_cast<int>(r);
    if (!heard[r]) {
      silent.push_back(fmt::format("{} (never heard)", Named(rank, rank_nodes)));
    } else if (heard[r]->age_s > silent_after_s) {
      silent.push_back(fmt::format("{} (nothing for {})", Named(rank, rank_nodes), FormatDuration(Seconds(heard[r]->age_s))));
    }
  }
  return silent.empty() ? "" : "silent: " + Listed(silent);
}

}  // namespace

std::string StateToWire(std::uint64_t token, const RankState& state) {
  std::string doing = state.doing.substr(0, std::min(state.doing.size(), kMaxDoing));
  json j{{"k", fmt::format("{:016x}", token)}, {"r", state.rank},      {"s", state.step},
         {"o", state.round},                   {"g", state.gathering}, {"t", state.stage_s},
         {"d", doing}};
  // A cut inside a UTF-8 sequence (or a probe's odd bytes) becomes U+FFFD rather than an exception.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<RankState> StateFromWire(const std::string& wire, std::uint64_t token, int ranks) {
  json j = json::parse(wire, nullptr, false);
  if (!j.is_object() || j.value("k", "") != fmt::format("{:016x}", token)) return std::nullopt;
  try {
    RankState s;
    s.rank = j.at("r").get<int>();
    s.step = j.at("s").get<std::size_t>();
    s.round = j.at("o").get<int>();
    s.gathering = j.at("g").get<bool>();
    s.stage_s = j.at("t").get<double>();
    s.doing = j.at("d").get<std::string>();
    if (s.rank < 0 || s.rank >= ranks || !(s.stage_s >= 0) || s.doing.size() > 4 * kMaxDoing) return std::nullopt;
    return s;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

std::string DescribeRanks(const std::vector<std::optional<HeardState>>& heard,
                          const std::vector<std::string>& rank_nodes, double silent_after_s) {
  if (std::none_of(heard.begin() + std::min<std::ptrdiff_t>(1, std::ssize(heard)), heard.end(),
                   [](const auto& h) { return h.has_value(); })) {
    return "";
  }
  if (std::string silent = Silent(heard, rank_nodes, silent_after_s); !silent.empty()) return silent;
  auto lowest = Position(heard.front()->state), highest = lowest;
  for (const auto& h : heard) {
    lowest = std::min(lowest, Position(h->state));
    highest = std::max(highest, Position(h->state));
  }
  if (lowest == highest) {
    return fmt::format("all {} ranks {}", heard.size(), std::get<2>(lowest) ? "gathering" : "in the probe");
  }
  // Behind: the ranks at the lowest position; the slowest of them, the one there longest.
  const HeardState* slowest = nullptr;
  std::size_t past = 0;
  for (const auto& h : heard) {
    if (Position(h->state) != lowest) {
      ++past;
    } else if (slowest == nullptr || h->state.stage_s + h->age_s > slowest->state.stage_s + slowest->age_s) {
      slowest = &*h;
    }
  }
  const RankState& s = slowest->state;
  return fmt::format("slowest: {}, {} for {}{}; {} of {} ranks are past it", Named(s.rank, rank_nodes),
                     s.gathering ? "gathering" : "in its probe", FormatDuration(Seconds(s.stage_s + slowest->age_s)),
                     s.doing.empty() ? "" : ": " + s.doing, past, heard.size());
}

std::string DescribeWaiting(const std::vector<char>& arrived, const std::vector<std::string>& rank_nodes) {
  std::vector<std::string> waiting;
  for (std::size_t r = 0; r < arrived.size(); ++r) {
    if (!arrived[r]) waiting.push_back(Named(static_cast<int>(r), rank_nodes));
  }
  return waiting.empty() ? "" : "waiting for the results of " + Listed(waiting);
}

}  // namespace kiln

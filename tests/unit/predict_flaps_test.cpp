// The flaps rule (predict/predictor_flaps.cpp): a link that goes down and comes back once a day, with no symbol
// errors to speak of, is dying (a third generator's `ib-flaps` precursor: 12 of 23 missed before the rule); the
// same flaps shared at those hours by other nodes' links were their leaf switch rebooting; two cable reseats are
// two flaps, not a pattern.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "predict/predictor.hpp"
#include "predict/replay.hpp"

namespace kiln::predict {
namespace {

constexpr std::int64_t kHour = 3600, kDay = 86400;
constexpr std::int64_t kStart = 1767225600;

// Nodes gn0..gnN-1, each with port mlx5_0/1 exported every 30 min: link downed (going up by one at each of its
// flaps) and symbol errors (a few at each flap), beside a GPU temperature (the node's heartbeat).
class Fleet {
 public:
  explicit Fleet(int nodes) : flaps_(static_cast<std::size_t>(nodes)) {}
  void Flap(int node, std::int64_t at, int times = 1) {
    for (int i = 0; i < times; ++i) flaps_[static_cast<std::size_t>(node)].push_back(at);
  }
  std::set<std::string> Rules() const {
    Replay replay;
    int line = 0;
    for (std::size_t node = 0; node < flaps_.size(); ++node) {
      for (std::int64_t t = kStart; t < kStart + 12 * kDay; t += kHour / 2) {
        int downed = 0;
        for (std::int64_t flap : flaps_[node]) downed += flap <= t ? 1 : 0;
        const std::string head = fmt::format(R"({{"t": {}, "node": "gn{}", )", t, node);
        const std::string port = R"("labels": {"device": "mlx5_0", "port": "1"})";
        replay.AddLine(head + R"("metric": "node_infiniband_link_downed_total", )" + port +
                           fmt::format(R"(, "value": {}}})", downed),
                       "case", ++line);
        replay.AddLine(head + R"("metric": "node_infiniband_symbol_error_total", )" + port +
                           fmt::format(R"(, "value": {}}})", 4 * downed),
                       "case", ++line);
        replay.AddLine(head + R"("metric": "DCGM_FI_DEV_GPU_TEMP", "labels": {"gpu": "0"}, "value": 40})", "case",
                       ++line);
      }
    }
    replay.Sort();
    std::set<std::string> rules;
    for (const Alert& alert : Predict(replay)) rules.insert(alert.node + " " + alert.rule);
    return rules;
  }

 private:
  std::vector<std::vector<std::int64_t>> flaps_;
};

TEST(PredictFlaps, ALinkThatGoesDownEveryDayIsDying) {
  Fleet fleet(4);
  for (int day = 4; day < 8; ++day) fleet.Flap(1, kStart + day * kDay + 5 * kHour + 600);
  EXPECT_EQ(fleet.Rules(), std::set<std::string>{"gn1 flaps"});
}

TEST(PredictFlaps, FlapsThatOtherNodesShareAreTheirSwitchs) {
  Fleet fleet(4);
  for (int day = 4; day < 8; ++day) {
    for (int node = 0; node < 4; ++node) fleet.Flap(node, kStart + day * kDay + 5 * kHour + 600 + node * 300);
  }
  EXPECT_EQ(fleet.Rules(), std::set<std::string>{});
}

TEST(PredictFlaps, TwoCableReseatsAreTwoFlaps) {
  Fleet fleet(4);
  fleet.Flap(2, kStart + 4 * kDay, 2);  // a reseat: down twice within the minute
  fleet.Flap(2, kStart + 6 * kDay, 2);
  EXPECT_EQ(fleet.Rules(), std::set<std::string>{});
  fleet.Flap(2, kStart + 8 * kDay);  // and a third flap within the week
  EXPECT_EQ(fleet.Rules(), std::set<std::string>{"gn2 flaps"});
}

}  // namespace
}  // namespace kiln::predict

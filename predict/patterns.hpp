#pragma once
// Patterns of a counter that the 2-of-3-windows persistence (persistence.hpp) cannot see: bursts that come back days
// apart, growth that is short but steep, and a series that was clean for days turning steadily active. Each is a
// fault's shape, not a benign one's: a cosmic ray or a cable reseat gives one burst (two at most, minutes apart), a
// chronic benign trickle was never clean and grows at its own usual rate, not faster hour after hour.

#include <cstdint>
#include <deque>
#include <utility>

#include "predict/counter_state.hpp"

namespace kiln::predict {

struct PatternRule {
  // A burst: an hour's increment of at least min_burst, usual_factor times the series' usual hour, usual_sigmas
  // deviations above it (Poisson's, or the series' own spread when it varies more) and lump_factor times the most
  // one of its habitual hours brought (a chronic series that comes in lumps has lumps as its habit, not as a
  // pattern: a fault's bursts outgrow them).
  // Burst hours closer than burst_gap_hours are one burst.
  double min_burst = 10;
  double usual_factor = 5;
  double usual_sigmas = 6;
  double lump_factor = 1.5;
  int burst_gap_hours = 3;
  int burst_warmup_hours = 36;  // bursts in a series' first hours (its usual rate unknown) do not count
  int bursts_needed = 3;     // separate bursts with no counter reset between them ...
  int bursts_across_resets = 4;  // ... or this many across resets (a reset repairs: remaps applied, links retrained)
  int burst_horizon = 168;   // ... within this many hours (a week)
  // Steep growth: steep_windows consecutive windows (of 1 to steep_width hours), each with more increments than the
  // one before, the first above three times the usual and by steep_sigmas deviations (benign series come in lumps),
  // and at least steep_first, all of them together at least steep_total.
  int steep_windows = 3;
  int steep_width = 3;
  double steep_first = 2;
  double steep_sigmas = 6;
  double steep_total = 15;
  // Clean to active: no increment for clean_hours (the series observed all along), then increments in at least
  // active_needed of the last active_windows windows of active_window_hours, onset_total at least.
  int clean_hours = 96;
  int active_window_hours = 6;
  int active_windows = 8;
  int active_needed = 7;
  double onset_total = 10;
  int onset_max_hours = 120;  // a new activity still steady after this long is the series' new normal
};

// What a counter's increments built up beyond its recent hours: its bursts over a week and the hour its current
// activity began after a clean stretch. Fed every increment (hour order); told when the node was repaired.
class CounterPatterns {
 public:
  // `counter`: the series' counter, this increment already in it (its usual rate, spread and habitual hours make a
  // burst's threshold, once for each new hour); `trusted`: false for an increment that the exporter gathered over
  // hours of silence (it cannot tell when the errors came).
  void Add(std::int64_t hour, double increment, const CounterState& counter, bool trusted, const PatternRule& rule);
  // Separate bursts within the rule's horizon up to `hour` (the hour being gathered counts once it is one): all of
  // them, and those since the counter's last reset.
  struct BurstCount {
    int all = 0;
    int since_reset = 0;
  };
  BurstCount Bursts(std::int64_t hour, const PatternRule& rule) const;
  // A row was remapped in `hour`: a burst within an hour of it is the remap's (the remap rules judge remaps: one,
  // which the next reset applies, is routine), not one of a pattern of bursts.
  void Remapped(std::int64_t hour);
  // The counter was reset (a reboot, a driver reload): the bursts before it count only towards bursts_across_resets.
  void Reset() { ++epoch_; }
  // The first hour of the current activity, when the series was clean for clean_hours before it; -1 otherwise.
  std::int64_t CleanOnset() const { return onset_hour_; }
  // A repair (the node was down): bursts before it are no evidence, and cleanliness must be seen again.
  void Forget(std::int64_t hour);
  // The first hour this series was observed (its first sample, or the node's return after a repair).
  void Observe(std::int64_t hour);

 private:
  void Close(const PatternRule& rule);

  std::deque<std::pair<std::int64_t, int>> burst_hours_;  // the last hour of each separate burst, and its epoch
  int epoch_ = 0;                                         // counter resets seen
  std::int64_t remap_hour_ = -1;                          // the last hour a row was remapped
  std::int64_t hour_ = -1;                // the hour being gathered
  double sum_ = 0;
  bool trusted_ = true;
  std::int64_t observed_from_ = -1;
  std::int64_t last_increment_ = -1;
  std::int64_t onset_hour_ = -1;
  double threshold_ = 0;  // what makes the hour being gathered a burst
};

// Steep growth ending with the hour before `hour` (the complete hours): consecutive windows, each larger.
// Returns the windows' total (0 when there is none).
// `dispersion`: the series' spread against a Poisson count's (CounterState::Dispersion).
double SteepGrowth(const CounterState& counter, std::int64_t hour, double usual_per_hour, double dispersion,
                   const PatternRule& rule);

// Active windows (of the rule's active_windows, ending with `hour`) and their total, for the clean-to-active rule.
struct Activity {
  int active = 0;
  double total = 0;
};
Activity ActiveWindows(const CounterState& counter, std::int64_t hour, const PatternRule& rule);

}  // namespace kiln::predict

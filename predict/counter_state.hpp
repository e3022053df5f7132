#pragma once
// One counter's recent history: increments per hour (sparse: quiet hours cost nothing), reset-aware, and a slowly
// decaying long-run rate that says what is normal for this series.

#include <climits>
#include <cmath>
#include <cstdint>
#include <deque>
#include <utility>

namespace kiln::predict {

inline constexpr std::int64_t kSecondsPerHour = 3600;
inline std::int64_t HourOf(std::int64_t t) { return t >= 0 ? t / kSecondsPerHour : (t + 1) / kSecondsPerHour - 1; }

// A count `sigmas` deviations above a series' usual count: Poisson's deviation, widened by the series' spread
// (CounterState::Dispersion, 1 for a Poisson count) when it varies more.
inline double AboveUsual(double usual, double dispersion, double sigmas) {
  return usual + sigmas * std::sqrt(dispersion * usual);
}

class CounterState {
 public:
  // Takes the counter's value at t (samples in time order). A value below the last one is a reset (a reboot or a driver
  // reload): the new value is the increment since then, and the recent hours stop being evidence, because a reset also
  // repairs what it resets (remaps applied, links retrained); they still count in the usual rate (a steady chronic
  // series stays as usual after a reboot). The first sample sets the level only. Returns the increment. `known_since`:
  // when the series' node began reporting; a counter sampled only on change first shows at its first change, and the
  // quiet hours before it are part of its past (its usual rate).
  //
  // A counter that stood at its width's ceiling (InfiniBand's PMA counters stop at 2^16-1, 2^8-1 or 2^4-1 instead of
  // wrapping) counted nothing while it stood there: its past is unknown, so its reset starts the series afresh, as
  // at a replay's cold start (`restarts` counts these).
  double Update(std::int64_t t, double value, std::int64_t known_since = INT64_MAX);

  // Sum of the increments in the hours [from, to] and the span from first to last hour with any.
  double Sum(std::int64_t from_hour, std::int64_t to_hour) const;
  std::int64_t Span(std::int64_t from_hour, std::int64_t to_hour) const;
  // The largest increment of one hour in [from, to] (0 without any).
  double Largest(std::int64_t from_hour, std::int64_t to_hour) const;
  // Increments per hour that this series has had before its recent hours. A young series (less than kRecentHours aged
  // out) is judged by its own hours before `judged_from` (the first hour under judgement), so a series that was already
  // active when the replay began is usual, not new (0 while none).
  double UsualPerHour(std::int64_t judged_from = INT64_MAX) const;
  // The recent hours stop being evidence (their evidence is stale) and join the usual rate: they were observed, and
  // counting them as quiet hours would halve a chronic series' usual rate.
  void ForgetRecent();
  // How much more this series varies than a Poisson count of its rate: the variance over the mean of its 6-h counts
  // (kSpreadBlockHours) over the two weeks of its past before `judged_from` (aged-out hours only), the largest tenth
  // left out (a few bursts are no habit), at least 1, and weighed with a prior (kPriorDispersion, as many blocks as
  // kPriorBlocks) while little of the past is seen. A chronic series whose rate wanders from day to day, or that
  // comes in lumps, is judged against its own spread; a Poisson trickle gets about 1.
  double Dispersion(std::int64_t judged_from) const;
  // The third largest increment of the series' last kLumpHours complete hours with any: about the most one of its
  // hours has brought (a fault's first two bursts are not its habit yet). A series that comes in lumps has lumps as
  // its habit: kMinLumpsFromStart of them when it had them from its first hours (active before the replay began),
  // else kMinLumps over kHabitHours; 0 otherwise.
  double LargestHabitualHour() const;
  // What the series' past says of its habit: the two weeks of aged-out hours before `judged_from`, in days of four
  // 6-h blocks. A chronic series had increments on at least half of its days (kMinHabitDays at least), or on `share`
  // of them (kMinIntermittentDays at least); its
  // busiest block is the most that any 6 h of that past brought (a bad day among them). Before kMinHabitDays are
  // seen, a series with increments in its first hours (active before the replay began) or before judged_from
  // (active before what is judged) is chronic with a busiest block not known yet (infinite): nothing it does is
  // beyond its habit until its habit is seen.
  struct Habit {
    bool chronic = false;
    double busiest_block = 0;
  };
  Habit HabitBefore(std::int64_t judged_from, double share) const;
  std::int64_t resets() const { return resets_; }
  std::int64_t restarts() const { return restarts_; }
  std::int64_t first_hour() const { return first_hour_; }

  static constexpr std::int64_t kSpreadBlockHours = 6;  // the blocks of the spread and the habit
  static constexpr std::int64_t kHabitGapHours = 48;    // HabitBefore's past: kept this much longer

 private:
  static constexpr std::int64_t kRecentHours = 48;
  static constexpr std::int64_t kYoungHours = 12;
  static constexpr double kUsualHalfLifeHours = 168;
  static constexpr std::int64_t kSpreadBlocks = 56;  // two weeks
  static constexpr std::size_t kMinSpreadBlocks = 8;
  static constexpr double kPriorDispersion = 2;
  static constexpr double kPriorBlocks = 8;
  static constexpr std::size_t kLumpHours = 256;
  static constexpr std::size_t kMinLumps = 6;
  static constexpr std::size_t kMinLumpsFromStart = 3;  // by the end of the bursts' warm-up (36 h)
  static constexpr std::int64_t kHabitHours = 96;
  static constexpr std::int64_t kBlocksPerDay = 24 / kSpreadBlockHours;
  static constexpr std::int64_t kMinHabitDays = 2;
  static constexpr std::int64_t kMinIntermittentDays = 4;
  // The complete aged-out blocks before judged_from, two weeks at most: [first, last] (empty when last < first).
  std::pair<std::int64_t, std::int64_t> PastBlocks(std::int64_t judged_from) const;
  void Age(std::int64_t hour);
  void Fold(std::int64_t old_hour, double increment);
  void Lump(std::int64_t hour, double increment);

  bool seen_ = false;
  double last_ = 0;
  std::deque<std::pair<std::int64_t, double>> hours_;  // (hour, increment), only hours with one
  std::deque<std::pair<std::int64_t, double>> blocks_;  // aged-out 6-h blocks (index, increments), only with some
  std::deque<double> lumps_;                            // the last complete hours' increments, only hours with one
  std::int64_t lump_hour_ = INT64_MIN;                  // the last hour in lumps_
  std::int64_t first_lump_hour_ = INT64_MIN;            // the first hour with an increment
  double third_largest_lump_ = 0;                       // of lumps_
  double usual_total_ = 0;                             // aged-out increments, decayed to usual_hour_
  std::int64_t usual_hour_ = 0;
  std::int64_t first_hour_ = 0;
  std::int64_t first_increment_hour_ = INT64_MIN;
  std::int64_t covered_until_ = 0;  // the aged-out hours reach this far
  std::int64_t resets_ = 0;
  std::int64_t restarts_ = 0;
};

}  // namespace kiln::predict

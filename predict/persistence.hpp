#pragma once
// "Persistence" (2 of 3 windows): a counter's increments count as evidence only when they come back window after
// window, above what the series itself usually does, and spread over more than one burst. One-off bursts (a cosmic
// ray's ECC errors, a cable reseat's symbol errors) fill one window, or two adjacent hours across a window's edge.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "predict/counter_state.hpp"

namespace kiln::predict {

struct PersistenceRule {
  int window_hours = 6;
  int windows = 3;
  int needed = 2;           // windows that must be active
  double min_count = 1;     // increments that make a window active, at least
  double usual_sigmas = 4;  // ... and this many deviations above the series' usual rate (Poisson, or the series'
                            // own spread when it varies more: CounterState::Dispersion)
  int warmup_hours = 36;    // a series younger than this has no usual rate yet: no evidence
  // A window's largest hour does not count: no single burst (a cosmic ray's ECC errors, a remap's, a cable
  // reseat's symbol errors) makes a window active; only increments that keep coming within it do. Not for PCIe,
  // whose precursor is one burst every few hours.
  bool drop_largest_hour = false;
  // The opposite, for PCIe: only a window's largest hour counts. Its precursor is bursts (tens to hundreds of
  // replays at once, every few hours); a harmless trickle of a few replays at a time, however many of them come
  // together, is no burst.
  bool largest_hour_only = false;
};

struct Persistence {
  int active = 0;               // active windows among the last `windows`
  double total = 0;             // increments over those windows (all of them, largest hours too)
  std::int64_t span_hours = 0;  // from the first hour with increments to the last, within the windows
  double usual_per_window = 0;
  double dispersion = 1;  // the series' variance over its mean (1: Poisson)

  bool Holds(const PersistenceRule& rule) const { return active >= rule.needed && span_hours >= rule.window_hours; }
  std::string Describe(const PersistenceRule& rule) const;
  // An alert's evidence: the metric and what these windows held.
  nlohmann::json Evidence(const std::string& metric) const;
};

// The windows end with the hour `hour` (the current one, as far as it has been seen).
Persistence Measure(const CounterState& counter, std::int64_t hour, const PersistenceRule& rule);

}  // namespace kiln::predict

#include "reports/chart_axes.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>

namespace kiln {

using html::E;

const char* SeriesColor(std::size_t i) { return kPalette[i % std::size(kPalette)]; }

std::string OutcomeColor(Outcome o) {
  switch (o) {
    case Outcome::kPass: return "#2da44e";
    case Outcome::kWarn: return kWarnColor;
    case Outcome::kFail:
    case Outcome::kError: return kFailColor;
    case Outcome::kSkipped:
    case Outcome::kNotApplicable: return "#8c959f";
  }
  return "#8c959f";
}

double ValueAxis::Fraction(double value) const {
  double f = 0;
  if (log) {
    f = value <= lo ? 0 : (std::log10(value) - std::log10(lo)) / (std::log10(hi) - std::log10(lo));
  } else {
    f = hi > lo ? (value - lo) / (hi - lo) : 0;
  }
  return std::clamp(f, 0.0, 1.0);
}

ValueAxis MakeValueAxis(double smallest_positive, double largest) {
  ValueAxis axis;
  if (!(largest > 0) || !std::isfinite(largest)) return axis;  // nothing positive: 0..1
  if (smallest_positive > 0 && largest / smallest_positive >= 100) {
    axis.log = true;
    int first = static_cast<int>(std::floor(std::log10(smallest_positive)));
    int last = static_cast<int>(std::ceil(std::log10(largest)));
    if (last == first) ++last;
    int step = (last - first) > 6 ? 2 : 1;  // at most about six labels
    axis.lo = std::pow(10.0, first);
    axis.hi = std::pow(10.0, last);
    for (int d = first; d <= last; d += step) axis.ticks.push_back(std::pow(10.0, d));
    return axis;
  }
  double raw = largest * 1.05 / 5;
  double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double nice : {1.0, 2.0, 5.0, 10.0}) {
    step = nice * magnitude;
    if (step >= raw) break;
  }
  axis.hi = std::ceil(largest * 1.05 / step) * step;
  for (int i = 0; i * step <= axis.hi * (1 + 1e-9); ++i) axis.ticks.push_back(i * step);
  return axis;
}


std::string FormatTick(double value) {
  double a = std::abs(value);
  if (a == 0) return "0";
  if (a >= 1e9) return fmt::format("{:.3g}G", value / 1e9);
  if (a >= 1e6) return fmt::format("{:.3g}M", value / 1e6);
  if (a >= 1e4) return fmt::format("{:.3g}k", value / 1e3);
  if (a >= 1e-3) return fmt::format("{:.4g}", value);
  return fmt::format("{:.2g}", value);
}

std::vector<int> SizeTicks(double x0, double x1) {
  int first = static_cast<int>(std::ceil(x0)), last = static_cast<int>(std::floor(x1));
  int step = std::max(1, (last - first + 8) / 9);
  std::vector<int> ticks;
  for (int k = first; k <= last; k += step) ticks.push_back(k);
  if (ticks.empty()) return {last};
  if (ticks.back() != last) {
    if (2 * (last - ticks.back()) < step && ticks.size() > 1) ticks.back() = last;
    else ticks.push_back(last);
  }
  return ticks;
}

std::string AxisLines(int left, int top, int w, int h) {
  return fmt::format(R"(<line x1="{0}" x2="{0}" y1="{1}" y2="{2}" stroke="#57606a"/>)"
                     R"(<line x1="{0}" x2="{3}" y1="{2}" y2="{2}" stroke="#57606a"/>)",
                     left, top, top + h, left + w);
}

int HeatLightness(double share) { return static_cast<int>(95 - 55 * std::clamp(share, 0.0, 1.0)); }

std::string ColourScale(int left, int top, int width, double top_value, const std::string& unit) {
  constexpr int kSteps = 20, kBar = 12;
  std::string svg = R"(<g class="colour-scale">)";
  for (int i = 0; i < kSteps; ++i) {
    double share = (i + 0.5) / kSteps;
    svg += fmt::format(R"~(<rect x="{:.1f}" y="{}" width="{:.1f}" height="{}" fill="hsl(212,80%,{}%)"/>)~",
                       left + i * width / double(kSteps), top, width / double(kSteps) + 0.5, kBar, HeatLightness(share));
  }
  ValueAxis axis = MakeValueAxis(top_value, top_value);
  for (double t : axis.ticks) {
    if (t > top_value * (1 + 1e-9)) continue;
    double x = left + (top_value > 0 ? t / top_value : 0) * width;
    svg += fmt::format(R"(<line x1="{0:.1f}" x2="{0:.1f}" y1="{1}" y2="{2}" stroke="#57606a"/>)"
                       R"(<text x="{0:.1f}" y="{3}" font-size="10" text-anchor="middle" fill="#57606a">{4}</text>)",
                       x, top + kBar, top + kBar + 4, top + kBar + 14, E(FormatTick(t)));
  }
  svg += fmt::format(R"(<text x="{}" y="{}" font-size="11">{} (median; darker is larger)</text>)", left + width + 8,
                     top + 10, E(unit.empty() ? std::string("value") : unit));
  return svg + "</g>";
}

void Legend::AddMarks(const ChartMarks& marks) {
  if (!marks.fail_bounds.empty()) AddStyle(kFailStyle);
  if (!marks.warn_bounds.empty()) AddStyle(kWarnStyle);
  if (!marks.references.empty()) AddStyle(kReferenceStyle);
}

int Legend::Rows(int width) const {
  int per_row = std::max(1, width / kEntryWidth);
  return static_cast<int>((entries_.size() + static_cast<std::size_t>(per_row) - 1) / static_cast<std::size_t>(per_row));
}

std::string Legend::Draw(int left, int top, int width) const {
  std::string svg = R"(<g class="legend">)";
  int per_row = std::max(1, width / kEntryWidth);
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    const Entry& e = entries_[i];
    int x = left + static_cast<int>(i % static_cast<std::size_t>(per_row)) * kEntryWidth;
    int y = top + static_cast<int>(i / static_cast<std::size_t>(per_row)) * 18 + 9;
    if (e.box) {
      svg += fmt::format(R"(<rect x="{}" y="{}" width="18" height="10" fill="{}"/>)", x, y - 5, e.color);
    } else {
      svg += fmt::format(R"(<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="3"{}/>)", x, y, x + 18, y,
                         e.color, e.dash.empty() ? "" : fmt::format(R"( stroke-dasharray="{}")", e.dash));
    }
    svg += fmt::format(R"(<text x="{}" y="{}" font-size="11">{}</text>)", x + 24, y + 4, E(e.text));
  }
  return svg + "</g>";
}

}  // namespace kiln

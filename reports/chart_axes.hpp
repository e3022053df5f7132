#pragma once
// The parts every chart of the report page is drawn with (reports/html_charts.hpp draws the charts): the
// colours, the value axis and its ticks, the size axis, the axis lines, the legend, and a heatmap's colour scale.

#include <fmt/format.h>

#include <string>
#include <vector>

#include "core/verdict.hpp"
#include "reports/html_escape.hpp"

namespace kiln {

// Line colours for series; red and amber are kept for bounds, grey for references.
inline constexpr const char* kPalette[] = {"#0969da", "#8250df", "#1b7c83", "#bf3989",
                                           "#1a7f37", "#953800", "#0550ae", "#4d2d00"};
inline constexpr const char* kFailColor = "#cf222e";
inline constexpr const char* kWarnColor = "#bf8700";
inline constexpr const char* kReferenceColor = "#6e7781";
const char* SeriesColor(std::size_t i);
std::string OutcomeColor(Outcome o);

// The lines a chart draws across one subject's value: what its rules held it to.
struct ChartMarks {
  std::vector<double> fail_bounds;
  std::vector<double> warn_bounds;
  std::vector<double> references;
  bool empty() const { return fail_bounds.empty() && warn_bounds.empty() && references.empty(); }
};

// One mark kind: its colour, dash pattern and legend words.
struct MarkStyle {
  const char* color;
  const char* dash;  // "" for a solid line
  const char* name;
};
inline constexpr MarkStyle kFailStyle{kFailColor, "5 3", "fail bound"};
inline constexpr MarkStyle kWarnStyle{kWarnColor, "2 3", "warn bound"};
inline constexpr MarkStyle kReferenceStyle{kReferenceColor, "", "reference"};

// A value axis: linear from zero, or decades (log10) once the positive values span a factor of 100 or more.
struct ValueAxis {
  bool log = false;
  double lo = 0;
  double hi = 1;
  std::vector<double> ticks;
  double Fraction(double value) const;  // 0 at lo, 1 at hi, clamped (a zero on a log axis sits at the bottom)
};
ValueAxis MakeValueAxis(double smallest_positive, double largest);

// A tick label people read at a glance: 2.51k, 680, 0.012 (never 2.51e+03).
std::string FormatTick(double value);

// The value axis's grid lines and tick labels, left of a plot `w` wide.
template <typename YOf>
std::string ValueGrid(const ValueAxis& axis, int left, int w, YOf y_of) {
  std::string svg;
  for (double t : axis.ticks) {
    svg += fmt::format(R"(<line x1="{0}" x2="{1}" y1="{2:.1f}" y2="{2:.1f}" stroke="#eaeef2"/>)"
                       R"(<text x="{3}" y="{4:.1f}" font-size="10" text-anchor="end" fill="#57606a">{5}</text>)",
                       left, left + w, y_of(t), left - 4, y_of(t) + 3, html::E(FormatTick(t)));
  }
  return svg;
}

// The powers of two (log2 of bytes) a size axis from 2^x0 to 2^x1 labels: at most about ten, the largest always.
std::vector<int> SizeTicks(double x0, double x1);

// The y axis and the x axis of a plot at (left, top), w by h.
std::string AxisLines(int left, int top, int w, int h);

// A heatmap's colour scale: a bar from 0 (pale) to `top` (dark blue), its ticks, and the unit, `width` wide.
inline constexpr int kColourScaleHeight = 40;
std::string ColourScale(int left, int top, int width, double top_value, const std::string& unit);
// The fill of a heatmap cell at `share` (0..1) of the scale's top.
int HeatLightness(double share);

// A legend in rows under a chart: coloured swatches (lines or marks) and their words.
class Legend {
 public:
  void AddLine(const std::string& color, const std::string& text) { entries_.push_back({color, "", text, false}); }
  void AddMarks(const ChartMarks& marks);
  void AddBox(const std::string& color, const std::string& text) { entries_.push_back({color, "", text, true}); }
  int Height(int width) const { return Rows(width) * 18; }
  std::string Draw(int left, int top, int width) const;

 private:
  static constexpr int kEntryWidth = 170;
  struct Entry {
    std::string color, dash, text;
    bool box;
  };
  void AddStyle(const MarkStyle& s) { entries_.push_back({s.color, s.dash, s.name, false}); }
  int Rows(int width) const;
  std::vector<Entry> entries_;
};

}  // namespace kiln

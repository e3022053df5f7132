#include "reports/html_charts.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <regex>
#include <set>

#include "core/units.hpp"
#include "reports/html_escape.hpp"

namespace kiln {
namespace {

using html::E;

// Line colours for series; red and amber are kept for bounds, grey for references.
constexpr const char* kPalette[] = {"#0969da", "#8250df", "#1b7c83", "#bf3989", "#1a7f37", "#953800", "#0550ae", "#4d2d00"};
constexpr const char* kFailColor = "#cf222e";
constexpr const char* kWarnColor = "#bf8700";
constexpr const char* kReferenceColor = "#6e7781";

// Fewer samples than this show no course over time.
constexpr std::size_t kFewestTimeSamples = 8;

// More lines than this (every pair of a cluster) read better as a matrix or bars.
constexpr std::size_t kMostLines = 12;

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

void AddUnique(std::vector<double>& values, double v) {
  for (double existing : values) {
    if (std::abs(existing - v) <= 1e-9 * std::max(std::abs(existing), std::abs(v))) return;
  }
  values.push_back(v);
}

void Merge(ChartMarks& into, const ChartMarks& from) {
  for (double v : from.fail_bounds) AddUnique(into.fail_bounds, v);
  for (double v : from.warn_bounds) AddUnique(into.warn_bounds, v);
  for (double v : from.references) AddUnique(into.references, v);
}

const ChartMarks* MarksOf(const Judgements& judgements, const Measurement& m) {
  auto it = judgements.find({m.SeriesKey(), m.subject.Key()});
  return it == judgements.end() ? nullptr : &it->second.marks;
}

// Every value a chart must fit: samples and marks. The smallest positive one starts at kNone.
constexpr double kNone = std::numeric_limits<double>::infinity();
void Extend(double v, double& smallest_positive, double& largest) {
  if (v > 0) smallest_positive = std::min(smallest_positive, v);
  largest = std::max(largest, v);
}
void Extend(const ChartMarks& marks, double& smallest_positive, double& largest) {
  for (const auto* list : {&marks.fail_bounds, &marks.warn_bounds, &marks.references}) {
    for (double v : *list) Extend(v, smallest_positive, largest);
  }
}

// One mark kind: its colour, dash pattern and legend words.
struct MarkStyle {
  const char* color;
  const char* dash;  // "" for a solid line
  const char* name;
};
constexpr MarkStyle kFailStyle{kFailColor, "5 3", "fail bound"};
constexpr MarkStyle kWarnStyle{kWarnColor, "2 3", "warn bound"};
constexpr MarkStyle kReferenceStyle{kReferenceColor, "", "reference"};

std::string Line(double x1, double y1, double x2, double y2, const MarkStyle& style, const std::string& title) {
  return fmt::format(R"(<line x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" stroke="{}" stroke-width="2"{}><title>{}</title></line>)",
                     x1, y1, x2, y2, style.color,
                     *style.dash ? fmt::format(R"( stroke-dasharray="{}")", style.dash) : std::string(), E(title));
}

// Calls draw(style, value) for every mark.
template <typename Draw>
void ForEachMark(const ChartMarks& marks, Draw draw) {
  for (double v : marks.fail_bounds) draw(kFailStyle, v);
  for (double v : marks.warn_bounds) draw(kWarnStyle, v);
  for (double v : marks.references) draw(kReferenceStyle, v);
}

// A legend in rows under a chart: coloured swatches (lines or marks) and their words.
class Legend {
 public:
  void AddLine(const std::string& color, const std::string& text) { entries_.push_back({color, "", text, false}); }
  void AddMarks(const ChartMarks& marks) {
    if (!marks.fail_bounds.empty()) AddStyle(kFailStyle);
    if (!marks.warn_bounds.empty()) AddStyle(kWarnStyle);
    if (!marks.references.empty()) AddStyle(kReferenceStyle);
  }
  void AddBox(const std::string& color, const std::string& text) { entries_.push_back({color, "", text, true}); }
  int Height(int width) const { return Rows(width) * 18; }
  std::string Draw(int left, int top, int width) const {
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

 private:
  static constexpr int kEntryWidth = 170;
  struct Entry {
    std::string color, dash, text;
    bool box;
  };
  void AddStyle(const MarkStyle& s) { entries_.push_back({s.color, s.dash, s.name, false}); }
  int Rows(int width) const {
    int per_row = std::max(1, width / kEntryWidth);
    return static_cast<int>((entries_.size() + static_cast<std::size_t>(per_row) - 1) / static_cast<std::size_t>(per_row));
  }
  std::vector<Entry> entries_;
};

// A line's name in a legend: its labels' values (less `skip`), " @ subject" when a chart has several subjects,
// or `fallback` when that leaves nothing.
std::string LineName(const Measurement& m, const std::string& skip, bool several_subjects, const std::string& fallback) {
  std::string name = LabelValues(m, skip);
  if (several_subjects) name += fmt::format("{}{}", name.empty() ? "" : " @ ", m.subject.Label());
  return name.empty() ? fallback : name;
}

// The value axis's grid lines and tick labels, left of a plot `w` wide.
template <typename YOf>
std::string ValueGrid(const ValueAxis& axis, int left, int w, YOf y_of) {
  std::string svg;
  for (double t : axis.ticks) {
    svg += fmt::format(R"(<line x1="{0}" x2="{1}" y1="{2:.1f}" y2="{2:.1f}" stroke="#eaeef2"/>)"
                       R"(<text x="{3}" y="{4:.1f}" font-size="10" text-anchor="end" fill="#57606a">{5}</text>)",
                       left, left + w, y_of(t), left - 4, y_of(t) + 3, E(FormatTick(t)));
  }
  return svg;
}

std::optional<double> SampleInterval(const std::string& method) {
  static const std::regex pattern(R"((?:every|per) ([0-9]+(?:\.[0-9]+)?)(ms|s)\b)");
  std::smatch match;
  if (!std::regex_search(method, match, pattern)) return std::nullopt;
  double value = std::stod(match[1].str());
  return match[2].str() == "ms" ? value / 1000 : value;
}

}  // namespace

std::string LabelValues(const Measurement& m, const std::string& skip) {
  std::string text;
  for (const auto& [name, value] : m.labels) {
    if (name == skip) continue;
    text += fmt::format("{}{}", text.empty() ? "" : " ", value);
  }
  return text;
}

Judgements CollectJudgements(const std::vector<Verdict>& verdicts) {
  Judgements j;
  for (const Verdict& v : verdicts) {
    if (v.metric.empty() || v.outcome == Outcome::kSkipped) continue;
    Judgement& slot = j[{v.series, v.subject.Key()}];
    if (v.outcome != Outcome::kNotApplicable) {
      slot.worst = slot.judged ? Worst(slot.worst, v.outcome) : v.outcome;
      slot.judged = true;
    }
    if (v.threshold) AddUnique(v.severity == Outcome::kWarn ? slot.marks.warn_bounds : slot.marks.fail_bounds, *v.threshold);
    if (v.reference) AddUnique(slot.marks.references, *v.reference);
  }
  return j;
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

std::string BarChart(const std::string& title, const std::vector<std::pair<std::string, Measurement>>& rows,
                     const Judgements& judgements) {
  double smallest = kNone, largest = 0;
  ChartMarks all;
  for (const auto& [label, m] : rows) {
    Extend(m.summary.max, smallest, largest);
    if (const ChartMarks* marks = MarksOf(judgements, m)) {
      Extend(*marks, smallest, largest);
      Merge(all, *marks);
    }
  }
  ValueAxis axis = MakeValueAxis(largest, largest);  // bars start at zero: always a linear axis
  const int label_width = 230, chart_width = 460, row = 22, unit_room = 130;
  int plot_height = static_cast<int>(rows.size()) * row + 4;
  Legend legend;  // only what needs saying: the marks, and a colour that is not a pass
  legend.AddMarks(all);
  for (Outcome o : {Outcome::kWarn, Outcome::kFail}) {
    bool shown = std::any_of(rows.begin(), rows.end(), [&](const auto& entry) {
      auto it = judgements.find({entry.second.SeriesKey(), entry.second.subject.Key()});
      return it != judgements.end() && it->second.judged && it->second.worst == o;
    });
    if (shown) legend.AddBox(OutcomeColor(o), fmt::format("median, {}", ToString(o)));
  }
  int width = label_width + chart_width + unit_room;
  int height = plot_height + 22 + legend.Height(width - label_width) + 4;
  std::string svg = fmt::format(R"(<svg width="{}" height="{}" role="img" aria-label="{}">)", width, height, E(title));
  auto x_of = [&](double v) { return label_width + axis.Fraction(v) * chart_width; };
  for (double t : axis.ticks) {
    svg += fmt::format(R"(<line x1="{0:.1f}" x2="{0:.1f}" y1="0" y2="{1}" stroke="#eaeef2"/>)"
                       R"(<text x="{0:.1f}" y="{2}" font-size="10" text-anchor="middle" fill="#57606a">{3}</text>)",
                       x_of(t), plot_height, plot_height + 12, E(FormatTick(t)));
  }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& [label, m] = rows[i];
    auto it = judgements.find({m.SeriesKey(), m.subject.Key()});
    Outcome o = it != judgements.end() && it->second.judged ? it->second.worst : Outcome::kSkipped;
    int y = static_cast<int>(i) * row + 4;
    svg += fmt::format(R"(<text x="{}" y="{}" font-size="12" text-anchor="end">{}</text>)", label_width - 6, y + 14, E(label));
    svg += fmt::format(R"(<rect x="{}" y="{}" width="{:.1f}" height="16" fill="{}"><title>{}: {:.4g} {} ({})</title></rect>)",
                       label_width, y, std::max(x_of(m.summary.median) - label_width, 1.0), OutcomeColor(o), E(label),
                       m.summary.median, E(m.unit), ToString(o));
    svg += fmt::format(R"(<line x1="{:.1f}" x2="{:.1f}" y1="{}" y2="{}" stroke="#1d2329" stroke-width="1"><title>min {:.4g} .. max {:.4g} of {} sample(s)</title></line>)",
                       x_of(m.summary.min), x_of(m.summary.max), y + 8, y + 8, m.summary.min, m.summary.max,
                       m.summary.count);
    if (const ChartMarks* marks = MarksOf(judgements, m)) {
      ForEachMark(*marks, [&](const MarkStyle& style, double v) {
        svg += Line(x_of(v), y - 2, x_of(v), y + 18, style, fmt::format("{} {:.4g} {}", style.name, v, m.unit));
      });
    }
    svg += fmt::format(R"(<text x="{}" y="{}" font-size="11">{} {}</text>)", label_width + chart_width + 6, y + 13,
                       E(FormatTick(m.summary.median)), E(m.unit));
  }
  svg += legend.Draw(label_width, plot_height + 22, width - label_width);
  return svg + "</svg>";
}

std::string SizeChart(const std::string& metric, const std::vector<Measurement>& ms, const Judgements& judgements) {
  struct Point {
    double x, y;
    const Measurement* m;
  };
  std::vector<std::string> keys;  // one line per series and subject, in first-seen order
  std::map<std::string, std::vector<Point>> lines;
  std::set<std::string> subjects;
  double smallest = kNone, largest = 0, x0 = 0, x1 = 0;
  bool any = false;
  ChartMarks all;
  for (const Measurement& m : ms) subjects.insert(m.subject.Key());
  for (const Measurement& m : ms) {
    auto size = ParseBytes(m.labels.count("size") ? m.labels.at("size") : "");
    if (!size || *size == 0) continue;
    std::string key = LineName(m, "size", subjects.size() > 1, metric);
    if (!lines.count(key)) keys.push_back(key);
    double x = std::log2(static_cast<double>(*size));
    lines[key].push_back({x, m.summary.median, &m});
    x0 = any ? std::min(x0, x) : x;
    x1 = any ? std::max(x1, x) : x;
    any = true;
    Extend(m.summary.median, smallest, largest);
    if (const ChartMarks* marks = MarksOf(judgements, m)) {
      Extend(*marks, smallest, largest);
      Merge(all, *marks);
    }
  }
  if (!any || x1 == x0 || keys.size() > kMostLines) return "";
  if (smallest == kNone) smallest = largest;
  ValueAxis axis = MakeValueAxis(smallest, largest);
  const int left = 64, w = 640, h = 240, top = 10;
  Legend legend;
  for (std::size_t i = 0; i < keys.size(); ++i) legend.AddLine(SeriesColor(i), keys[i]);
  legend.AddMarks(all);
  int width = left + w + 30;
  int height = top + h + 44 + legend.Height(w);
  auto x_of = [&](double x) { return left + (x - x0) / (x1 - x0) * w; };
  auto y_of = [&](double v) { return top + h - axis.Fraction(v) * h; };
  std::string svg = fmt::format(R"~(<svg width="{}" height="{}" role="img" aria-label="{} by message size">)~", width,
                                height, E(metric));
  svg += ValueGrid(axis, left, w, y_of);
  int first = static_cast<int>(std::ceil(x0)), last = static_cast<int>(std::floor(x1));
  int step = std::max(1, (last - first + 8) / 9);
  std::vector<int> size_ticks;  // powers of two, at most about ten, the largest size always labelled
  for (int k = first; k <= last; k += step) size_ticks.push_back(k);
  if (size_ticks.back() != last) {
    if (2 * (last - size_ticks.back()) < step && size_ticks.size() > 1) size_ticks.back() = last;
    else size_ticks.push_back(last);
  }
  for (int k : size_ticks) {
    svg += fmt::format(R"(<line x1="{0:.1f}" x2="{0:.1f}" y1="{1}" y2="{2}" stroke="#eaeef2"/>)"
                       R"(<text x="{0:.1f}" y="{3}" font-size="10" text-anchor="middle" fill="#57606a">{4}</text>)",
                       x_of(k), top, top + h, top + h + 14, E(FormatBytes(static_cast<std::uint64_t>(std::exp2(k)))));
  }
  svg += fmt::format(R"(<line x1="{0}" x2="{0}" y1="{1}" y2="{2}" stroke="#57606a"/><line x1="{0}" x2="{3}" y1="{2}" y2="{2}" stroke="#57606a"/>)",
                     left, top, top + h, left + w);
  svg += fmt::format(R"(<text x="{}" y="{}" font-size="11" text-anchor="middle">message size{}</text>)", left + w / 2,
                     top + h + 30, axis.log ? " (log); values on a log scale" : " (log)");
  for (std::size_t i = 0; i < keys.size(); ++i) {
    std::vector<Point>& points = lines[keys[i]];
    std::sort(points.begin(), points.end(), [](const Point& a, const Point& b) { return a.x < b.x; });
    std::string path;
    for (const Point& p : points) path += fmt::format("{}{:.1f},{:.1f} ", path.empty() ? "M" : "L", x_of(p.x), y_of(p.y));
    svg += fmt::format(R"(<path d="{}" fill="none" stroke="{}" stroke-width="2"><title>{}</title></path>)", path,
                       SeriesColor(i), E(keys[i]));
    for (const Point& p : points) {
      svg += fmt::format(R"(<circle cx="{:.1f}" cy="{:.1f}" r="2.5" fill="{}"><title>{} {}: {:.4g} {}</title></circle>)",
                         x_of(p.x), y_of(p.y), SeriesColor(i), E(keys[i]), E(p.m->labels.at("size")), p.y, E(p.m->unit));
      if (const ChartMarks* marks = MarksOf(judgements, *p.m)) {
        ForEachMark(*marks, [&](const MarkStyle& style, double v) {
          svg += Line(x_of(p.x) - 6, y_of(v), x_of(p.x) + 6, y_of(v), style,
                      fmt::format("{} {}: {} {:.4g} {}", keys[i], p.m->labels.at("size"), style.name, v, p.m->unit));
        });
      }
    }
  }
  svg += legend.Draw(left, top + h + 40, w);
  return svg + "</svg>";
}

std::string HeatMap(const std::vector<Measurement>& ms) {
  std::vector<std::string> names;
  std::map<std::pair<std::string, std::string>, double> cells;
  for (const Measurement& m : ms) {
    std::string from, to;
    if (m.subject.kind == SubjectKind::kPair && m.subject.nodes.size() == 2) {
      from = m.subject.nodes[0];
      to = m.subject.nodes[1];
    } else if (auto arrow = m.subject.device.find("->"); arrow != std::string::npos) {
      from = m.subject.device.substr(0, arrow);
      to = m.subject.device.substr(arrow + 2);
    } else {
      continue;
    }
    for (const std::string& n : {from, to}) {
      if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
    }
    cells[{from, to}] = m.summary.median;
    if (m.subject.kind == SubjectKind::kPair) cells.emplace(std::make_pair(to, from), m.summary.median);
  }
  if (names.size() < 2 || cells.empty()) return "";
  double top = 0;
  for (auto& [k, v] : cells) top = std::max(top, v);
  const int cell = 46, left = 140, top_margin = 80;
  int size = static_cast<int>(names.size());
  std::string svg = fmt::format(R"(<svg width="{}" height="{}" role="img" aria-label="matrix">)", left + size * cell + 10,
                                top_margin + size * cell + 10);
  for (int i = 0; i < size; ++i) {
    const std::string& row_name = names[static_cast<std::size_t>(i)];
    svg += fmt::format(R"(<text x="{}" y="{}" font-size="11" text-anchor="end">{}</text>)", left - 4,
                       top_margin + i * cell + 28, E(row_name));
    svg += fmt::format(R"~(<text x="{0}" y="{1}" font-size="11" transform="rotate(-60 {0} {1})">{2}</text>)~",
                       left + i * cell + 20, top_margin - 6, E(row_name));
    for (int j = 0; j < size; ++j) {
      const std::string& column_name = names[static_cast<std::size_t>(j)];
      auto it = cells.find({row_name, column_name});
      if (it == cells.end()) continue;
      double share = top > 0 ? it->second / top : 0;  // dark blue = best cell; pale = slow
      int light = static_cast<int>(95 - 55 * share);
      svg += fmt::format(R"~(<rect x="{}" y="{}" width="{}" height="{}" fill="hsl(212,80%,{}%)"><title>{} -&gt; {}: {:.4g}</title></rect>)~"
                         R"(<text x="{}" y="{}" font-size="10" text-anchor="middle" fill="{}">{}</text>)",
                         left + j * cell, top_margin + i * cell, cell - 2, cell - 2, light, E(row_name), E(column_name),
                         it->second, left + j * cell + cell / 2 - 1, top_margin + i * cell + cell / 2 + 3,
                         light < 60 ? "#fff" : "#1d2329", E(FormatTick(it->second)));
    }
  }
  return svg + "</svg>";
}

bool IsTimeSeries(const Measurement& m) {
  return m.samples.size() >= kFewestTimeSamples && SampleInterval(m.method).has_value();
}

std::string TimeSeriesChart(const std::string& metric, const std::vector<Measurement>& ms,
                            const Judgements& judgements) {
  std::set<std::string> subjects;
  for (const Measurement& m : ms) subjects.insert(m.subject.Key());
  double smallest = kNone, largest = 0, longest = 0;
  ChartMarks all;
  std::vector<const Measurement*> drawn;
  std::vector<double> intervals;  // each drawn measurement's seconds between samples, read from its method once
  for (const Measurement& m : ms) {
    std::optional<double> interval = SampleInterval(m.method);
    if (m.samples.size() < kFewestTimeSamples || !interval) continue;
    drawn.push_back(&m);
    intervals.push_back(*interval);
    for (double v : m.samples) Extend(v, smallest, largest);
    longest = std::max(longest, *interval * static_cast<double>(m.samples.size() - 1));
    if (const ChartMarks* marks = MarksOf(judgements, m)) {
      Extend(*marks, smallest, largest);
      Merge(all, *marks);
    }
  }
  if (drawn.empty() || longest <= 0) return "";
  ValueAxis axis = MakeValueAxis(largest, largest);  // from zero: a drop reads as the share it is
  ValueAxis time = MakeValueAxis(longest, longest);
  const int left = 64, w = 640, h = 180, top = 10;
  Legend legend;
  std::vector<std::string> names;
  for (const Measurement* m : drawn) {
    names.push_back(LineName(*m, "", subjects.size() > 1, metric));
    legend.AddLine(SeriesColor(names.size() - 1), names.back());
  }
  legend.AddMarks(all);
  auto x_of = [&](double s) { return left + time.Fraction(s) * w; };
  auto y_of = [&](double v) { return top + h - axis.Fraction(v) * h; };
  std::string svg = fmt::format(R"(<svg width="{}" height="{}" role="img" aria-label="{} over time">)", left + w + 30,
                                top + h + 44 + legend.Height(w), E(metric));
  svg += ValueGrid(axis, left, w, y_of);
  for (double t : time.ticks) {
    svg += fmt::format(R"(<text x="{:.1f}" y="{}" font-size="10" text-anchor="middle" fill="#57606a">{}s</text>)",
                       x_of(t), top + h + 14, E(FormatTick(t)));
  }
  svg += fmt::format(R"(<line x1="{0}" x2="{0}" y1="{1}" y2="{2}" stroke="#57606a"/><line x1="{0}" x2="{3}" y1="{2}" y2="{2}" stroke="#57606a"/>)",
                     left, top, top + h, left + w);
  svg += fmt::format(R"(<text x="{}" y="{}" font-size="11" text-anchor="middle">seconds from the start of each series ({})</text>)",
                     left + w / 2, top + h + 30, E(drawn.front()->unit));
  for (std::size_t i = 0; i < drawn.size(); ++i) {
    const Measurement& m = *drawn[i];
    double interval = intervals[i];
    // One line: its bounds across the chart. Several (a GEMM type each): each line's bounds as a short mark
    // where it ends, so five types' floors do not cross every line.
    if (const ChartMarks* marks = MarksOf(judgements, m)) {
      double end = x_of(interval * static_cast<double>(m.samples.size() - 1));
      double from = drawn.size() == 1 ? left : end - 10, to = drawn.size() == 1 ? left + w : end + 10;
      ForEachMark(*marks, [&](const MarkStyle& style, double v) {
        svg += Line(from, y_of(v), to, y_of(v), style, fmt::format("{}: {} {:.4g} {}", names[i], style.name, v, m.unit));
      });
    }
    std::string path;
    for (std::size_t s = 0; s < m.samples.size(); ++s) {
      path += fmt::format("{}{:.1f},{:.1f} ", path.empty() ? "M" : "L", x_of(interval * static_cast<double>(s)),
                          y_of(m.samples[s]));
    }
    svg += fmt::format(R"(<path d="{}" fill="none" stroke="{}" stroke-width="1.5"><title>{}: {} samples, every {:g}s</title></path>)",
                       path, SeriesColor(i), E(names[i]), m.samples.size(), interval);
  }
  svg += legend.Draw(left, top + h + 40, w);
  return svg + "</svg>";
}

}  // namespace kiln

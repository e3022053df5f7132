#include "reports/html_charts.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <regex>
#include <set>

#include "core/units.hpp"
#include "reports/chart_axes.hpp"
#include "reports/html_escape.hpp"

namespace kiln {
namespace {

using html::E;

// Fewer samples than this show no course over time.
constexpr std::size_t kFewestTimeSamples = 8;

// More lines than this (every pair of a cluster) read better as a matrix or bars.
constexpr std::size_t kMostLines = 12;

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

// A line's name in a legend: its labels' values (less `skip`), " @ subject" when a chart has several subjects,
// or `fallback` when that leaves nothing.
std::string LineName(const Measurement& m, const std::string& skip, bool several_subjects, const std::string& fallback) {
  std::string name = LabelValues(m, skip);
  if (several_subjects) name += fmt::format("{}{}", name.empty() ? "" : " @ ", m.subject.Label());
  return name.empty() ? fallback : name;
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
  for (int k : SizeTicks(x0, x1)) {
    svg += fmt::format(R"(<line x1="{0:.1f}" x2="{0:.1f}" y1="{1}" y2="{2}" stroke="#eaeef2"/>)"
                       R"(<text x="{0:.1f}" y="{3}" font-size="10" text-anchor="middle" fill="#57606a">{4}</text>)",
                       x_of(k), top, top + h, top + h + 14, E(FormatBytes(static_cast<std::uint64_t>(std::exp2(k)))));
  }
  svg += AxisLines(left, top, w, h);
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

namespace {

// A heatmap's cells: "a->b" devices of a node, or node pairs (both ways), in first-seen order.
struct Matrix {
  std::vector<std::string> names;
  std::map<std::pair<std::string, std::string>, double> cells;
};
Matrix CollectMatrix(const std::vector<Measurement>& ms) {
  Matrix matrix;
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
      if (std::find(matrix.names.begin(), matrix.names.end(), n) == matrix.names.end()) matrix.names.push_back(n);
    }
    matrix.cells[{from, to}] = m.summary.median;
    if (m.subject.kind == SubjectKind::kPair) matrix.cells.emplace(std::make_pair(to, from), m.summary.median);
  }
  return matrix;
}

}  // namespace

std::string HeatMap(const std::vector<Measurement>& ms) {
  Matrix matrix = CollectMatrix(ms);
  const std::vector<std::string>& names = matrix.names;
  if (names.size() < 2 || matrix.cells.empty()) return "";
  const std::string unit = ms.front().unit;
  double top = 0;
  for (const auto& [k, v] : matrix.cells) top = std::max(top, v);
  const int cell = 46, left = 140, top_margin = 80, scale_width = 240;
  int size = static_cast<int>(names.size());
  int plot_bottom = top_margin + size * cell + 10;
  std::string svg = fmt::format(R"(<svg width="{}" height="{}" role="img" aria-label="matrix, {}">)",
                                std::max(left + size * cell + 10, left + scale_width + 200),
                                plot_bottom + kColourScaleHeight, E(unit));
  for (int i = 0; i < size; ++i) {
    const std::string& row_name = names[static_cast<std::size_t>(i)];
    svg += fmt::format(R"(<text x="{}" y="{}" font-size="11" text-anchor="end">{}</text>)", left - 4,
                       top_margin + i * cell + 28, E(row_name));
    svg += fmt::format(R"~(<text x="{0}" y="{1}" font-size="11" transform="rotate(-60 {0} {1})">{2}</text>)~",
                       left + i * cell + 20, top_margin - 6, E(row_name));
    for (int j = 0; j < size; ++j) {
      const std::string& column_name = names[static_cast<std::size_t>(j)];
      auto it = matrix.cells.find({row_name, column_name});
      if (it == matrix.cells.end()) continue;
      int light = HeatLightness(top > 0 ? it->second / top : 0);  // the scale below says what a shade means
      svg += fmt::format(R"~(<rect x="{}" y="{}" width="{}" height="{}" fill="hsl(212,80%,{}%)"><title>{} -&gt; {}: {:.4g} {}</title></rect>)~"
                         R"(<text x="{}" y="{}" font-size="10" text-anchor="middle" fill="{}">{}</text>)",
                         left + j * cell, top_margin + i * cell, cell - 2, cell - 2, light, E(row_name), E(column_name),
                         it->second, E(unit), left + j * cell + cell / 2 - 1, top_margin + i * cell + cell / 2 + 3,
                         light < 60 ? "#fff" : "#1d2329", E(FormatTick(it->second)));
    }
  }
  svg += ColourScale(left, plot_bottom, scale_width, top, unit);
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
  svg += AxisLines(left, top, w, h);
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

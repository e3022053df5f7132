#include "reports/key_numbers.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "core/subject.hpp"

namespace kiln {
namespace {

using nlohmann::json;

struct Headline {
  const char* metric;
  const char* label;  // what the cell says before the number; "{type}" or "{collective}" takes that label
  bool peak;          // the largest value over the sweep's sizes, not one series
};

constexpr Headline kHeadlines[] = {
    {"host.stream.triad_bw", "STREAM triad", false}, {"hbm.triad_bw", "HBM triad", false},
    {"hbm.copy_bw", "HBM copy", false},              {"gpu.stress.tflops", "{type}", false},
    {"pcie.h2d_bw", "PCIe H2D", false},              {"pcie.d2h_bw", "PCIe D2H", false},
    {"nccl.busbw", "NCCL {collective} peak busbw", true},
    {"mpi.allreduce.busbw", "MPI all-reduce peak busbw", true},
    {"mpi.link.bandwidth", "MPI link", false},
};

std::string Fill(std::string text, const json& labels) {
  for (const char* key : {"type", "collective"}) {
    std::string slot = fmt::format("{{{}}}", key);
    if (auto at = text.find(slot); at != std::string::npos) text.replace(at, slot.size(), labels.value(key, "?"));
  }
  return text;
}

std::string SubjectText(const Subject& s) {
  if (s.kind == SubjectKind::kGroup) return s.nodes.size() == 1 ? "the job (1 node)" : fmt::format("the job ({} nodes)", s.nodes.size());
  return s.Label(4);
}

}  // namespace

std::vector<KeyNumberRow> KeyNumbers(const json& report, std::size_t max_rows, std::size_t* more) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<std::pair<std::string, double>>> cells;  // subject -> (cell key, value)
  std::map<std::string, std::string> units;
  for (const Headline& h : kHeadlines) {
    for (const json& m : report.value("measurements", json::array())) {
      if (m.value("metric", "") != h.metric || !m.contains("summary") || !m.contains("subject")) continue;
      std::string subject = SubjectText(m.at("subject").get<Subject>());
      std::string cell = Fill(h.label, m.value("labels", json::object()));
      double value = m["summary"].value("median", 0.0);
      // One rank moves nothing over a bus (nccl-tests' factor is 0): no number is better than a 0.
      if (h.peak && value <= 0) continue;
      if (cells.find(subject) == cells.end()) order.push_back(subject);
      auto& row = cells[subject];
      auto it = std::find_if(row.begin(), row.end(), [&](const auto& c) { return c.first == cell; });
      if (it == row.end()) {
        row.emplace_back(cell, value);
      } else if (h.peak && value > it->second) {
        it->second = value;
      }
      units[cell] = m.value("unit", "");
    }
  }
  std::vector<KeyNumberRow> rows;
  for (const std::string& subject : order) {
    if (rows.size() == max_rows) break;
    KeyNumberRow row{subject, {}};
    for (const auto& [cell, value] : cells[subject]) row.cells.push_back(fmt::format("{} {:.4g} {}", cell, value, units[cell]));
    rows.push_back(std::move(row));
  }
  if (more != nullptr) *more = order.size() - rows.size();
  return rows;
}

}  // namespace kiln

#include "runners/burnin_log.hpp"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "reports/report.hpp"

namespace kiln {

using nlohmann::json;

void RunningStats::Add(double value) {
  if (count == 0) min = max = first = value;
  ++count;
  double delta = value - mean;
  mean += delta / static_cast<double>(count);
  m2 += delta * (value - mean);
  min = std::min(min, value);
  max = std::max(max, value);
  last = value;
}

double RunningStats::Stddev() const { return count > 1 ? std::sqrt(m2 / static_cast<double>(count - 1)) : 0; }

BurnInLog BurnInLog::Open(const std::string& out_dir, const BurnInSettings& settings, bool resume) {
  BurnInLog log;
  log.dir_ = out_dir + "/burnin";
  std::string settings_path = log.dir_ + "/settings.json";
  bool exists = std::filesystem::exists(settings_path);
  if (!resume) {
    if (exists) {
      throw InputError(fmt::format("{} already holds a burn-in: continue it with --resume, or choose another --out",
                                   out_dir));
    }
    MakeDirectories(log.dir_);
    log.settings_ = settings;
    WriteFileAtomically(settings_path, json{{"run_id", settings.run_id},
                                            {"started", settings.started},
                                            {"suite_sha256", settings.suite_sha256},
                                            {"baseline_sha256", settings.baseline_sha256},
                                            {"duration_s", settings.duration_s}}
                                           .dump(2) + "\n");
    return log;
  }
  if (!exists) throw InputError(fmt::format("--resume: {} holds no burn-in to continue", out_dir));
  json stored;
  try {
    stored = json::parse(ReadFile(settings_path));
    log.settings_.run_id = stored.at("run_id").get<std::string>();
    log.settings_.started = stored.at("started").get<std::string>();
    log.settings_.suite_sha256 = stored.at("suite_sha256").get<std::string>();
    log.settings_.baseline_sha256 = stored.at("baseline_sha256").get<std::string>();
    log.settings_.duration_s = stored.at("duration_s").get<double>();
  } catch (const json::exception& e) {
    throw InputError(settings_path, 0, fmt::format("not a burn-in settings file: {}", e.what()));
  }
  if (log.settings_.suite_sha256 != settings.suite_sha256) {
    throw InputError(settings_path, 0, "--resume with another suite than the burn-in started with");
  }
  if (log.settings_.baseline_sha256 != settings.baseline_sha256) {
    throw InputError(settings_path, 0, "--resume with another baseline than the burn-in started with");
  }
  if (settings.duration_s > 0) log.settings_.duration_s = settings.duration_s;
  // Every complete line is a finished iteration; a torn last line (a crash mid-write) is not one, and is cut off
  // so that the next iteration starts on a line of its own (and every later --resume reads the file again).
  const std::string journal = log.dir_ + "/iterations.jsonl";
  std::string content = std::filesystem::exists(journal) ? ReadFile(journal) : std::string();
  std::size_t start = 0;
  int line_number = 0;
  while (start < content.size()) {
    std::size_t end = content.find('\n', start);
    bool last = end == std::string::npos;
    std::string line = content.substr(start, last ? std::string::npos : end - start);
    ++line_number;
    json parsed = line.empty() ? json() : json::parse(line, nullptr, false);
    if (!line.empty() && parsed.is_discarded()) {
      if (!last) throw InputError(journal, line_number, "not a JSON line");
      std::filesystem::resize_file(journal, start);  // the torn tail
      break;
    }
    if (!line.empty()) {
      if (parsed.value("iteration", 0) != log.iterations_ + 1) {
        throw InputError(journal, line_number,
                         fmt::format("iteration {} follows iteration {}", parsed.value("iteration", 0), log.iterations_));
      }
      log.Absorb(parsed);
      if (last) AppendLineDurably(journal, "");  // whole but unterminated: end its line
    }
    if (last) break;
    start = end + 1;
  }
  log.resumes_ = stored.value("resumes", 0) + 1;
  stored["resumes"] = log.resumes_;
  stored["duration_s"] = log.settings_.duration_s;
  WriteFileAtomically(settings_path, stored.dump(2) + "\n");
  return log;
}

void BurnInLog::Append(double elapsed_s, const std::vector<Verdict>& verdicts,
                       const std::vector<Measurement>& measurements) {
  json failures = json::array();
  Outcome worst = Outcome::kPass;
  for (const Verdict& v : verdicts) {
    worst = Worst(worst, v.outcome);
    if (IsFailure(v.outcome)) failures.push_back(v);
  }
  json values = json::object();
  for (const Measurement& m : measurements) {
    values[m.SeriesKey() + "@" + m.subject.Key()] = {m.value(), m.unit};
  }
  json line{{"iteration", iterations_ + 1}, {"finished", UtcNow()}, {"elapsed_s", elapsed_s},
            {"outcome", ToString(worst)},   {"failures", failures}, {"values", values}};
  // Written first, absorbed second: memory never holds an iteration the disk does not.
  AppendLineDurably(dir_ + "/iterations.jsonl", line.dump());
  Absorb(line);
}

void BurnInLog::Absorb(const json& line) {
  iterations_ = line.at("iteration").get<int>();
  elapsed_s_ = line.at("elapsed_s").get<double>();
  std::set<std::string> failed_nodes;
  for (const json& f : line.at("failures")) {
    Verdict v = f.get<Verdict>();
    for (const std::string& node : v.subject.nodes) failed_nodes.insert(node);
    std::string key = v.probe + "|" + v.series + "|" + v.subject.Key();
    SubjectRecord& record = subjects_[key];
    if (record.count == 0) {
      record.first = v;
      record.first_iteration = iterations_;
    }
    ++record.count;
    record.worst = Worst(record.worst, v.outcome);
    record.last_iteration = iterations_;
  }
  for (const std::string& node : failed_nodes) ++node_failures_[node];
  for (const auto& [key, value] : line.at("values").items()) {
    series_[key].Add(value.at(0).get<double>());
    units_[key] = value.at(1).get<std::string>();
  }
}

std::string BurnInLog::FailuresPerNode() const {
  std::string text;
  for (const auto& [node, count] : node_failures_) text += fmt::format("{}{}: {}", text.empty() ? "" : ", ", node, count);
  return text.empty() ? "none" : text;
}

std::vector<Verdict> BurnInLog::Verdicts() const {
  std::vector<Verdict> verdicts;
  for (const auto& [key, record] : subjects_) {
    Verdict v = record.first;
    v.outcome = record.worst;
    v.rule = "burn-in: every iteration must pass";
    v.reason = fmt::format("failed in {} of {} iteration(s) (first #{}, last #{}); first: {}", record.count,
                           iterations_, record.first_iteration, record.last_iteration, record.first.reason);
    verdicts.push_back(std::move(v));
  }
  return verdicts;
}

json BurnInLog::Section(const std::string& interruption) const {
  json series = json::array();
  for (const auto& [key, stats] : series_) {
    series.push_back({{"series", key}, {"unit", units_.at(key)}, {"count", stats.count}, {"mean", stats.mean},
                      {"stddev", stats.Stddev()}, {"min", stats.min}, {"max", stats.max}, {"first", stats.first},
                      {"last", stats.last}});
  }
  json failing = json::array();
  for (const Verdict& v : Verdicts()) failing.push_back(v);
  return json{{"duration_s", settings_.duration_s},
              {"elapsed_s", elapsed_s_},
              {"iterations", iterations_},
              {"resumed", resumes_},
              {"completed", interruption.empty() && elapsed_s_ >= settings_.duration_s},
              {"interrupted", interruption.empty() ? json(nullptr) : json(interruption)},
              {"failed_iterations_per_node", node_failures_},
              {"failing_subjects", failing},
              {"series", series},
              {"journal", "burnin/iterations.jsonl"}};
}

}  // namespace kiln

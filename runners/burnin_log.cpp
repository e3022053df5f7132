#include "runners/burnin_log.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <optional>
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

namespace {

// OUT/burnin must be a folder of its own: a symlink there would make Kiln write (and truncate) outside --out.
void RefuseLinkedFolder(const std::string& dir) {
  struct stat info {};
  if (::lstat(dir.c_str(), &info) != 0) return;
  if (S_ISLNK(info.st_mode) || !S_ISDIR(info.st_mode)) {
    throw InputError(fmt::format("'{}' is {}: Kiln writes burn-in checkpoints only inside --out", dir,
                                 S_ISLNK(info.st_mode) ? "a symbolic link" : "not a folder"));
  }
}

bool Present(const std::string& path) {
  struct stat info {};
  return ::lstat(path.c_str(), &info) == 0;
}

void CheckDuration(double seconds, const std::string& where) {
  if (!std::isfinite(seconds) || seconds <= 0 || seconds > kMaxBurnInSeconds) {
    throw InputError(where, 0, fmt::format("duration_s {} is not a burn-in length (more than 0, at most a year)", seconds));
  }
}

std::string Listed(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

// "nodes missing: a; nodes added: c", or "" for the same set.
std::string NodeDifference(std::vector<std::string> stored, std::vector<std::string> now) {
  std::sort(stored.begin(), stored.end());
  std::sort(now.begin(), now.end());
  std::vector<std::string> missing, added;
  std::set_difference(stored.begin(), stored.end(), now.begin(), now.end(), std::back_inserter(missing));
  std::set_difference(now.begin(), now.end(), stored.begin(), stored.end(), std::back_inserter(added));
  std::string text;
  if (!missing.empty()) text += "nodes missing: " + Listed(missing);
  if (!added.empty()) text += (text.empty() ? "" : "; ") + std::string("nodes added: ") + Listed(added);
  return text;
}

BurnInSettings ReadSettings(const std::string& path, json& stored) {
  BurnInSettings settings;
  try {
    stored = json::parse(ReadRegularFile(path, 1 << 20, false));
    settings.run_id = stored.at("run_id").get<std::string>();
    settings.started = stored.at("started").get<std::string>();
    settings.suite_sha256 = stored.at("suite_sha256").get<std::string>();
    settings.baseline_sha256 = stored.at("baseline_sha256").get<std::string>();
    settings.duration_s = stored.at("duration_s").get<double>();
    settings.nodes = stored.at("nodes").get<std::vector<std::string>>();
    const json resumes = stored.value("resumes", json(0));
    if (!resumes.is_number_integer() || resumes.get<long long>() < 0 || resumes.get<long long>() > 1000000) {
      throw InputError(path, 0, "not a burn-in settings file: 'resumes' is not a count");
    }
  } catch (const json::exception& e) {
    throw InputError(path, 0, fmt::format("not a burn-in settings file: {}", e.what()));
  }
  CheckDuration(settings.duration_s, path);
  if (settings.run_id.empty() || !UtcSeconds(settings.started)) {
    throw InputError(path, 0, "not a burn-in settings file: no run id, or a start time that is not a UTC time");
  }
  return settings;
}

}  // namespace

BurnInLog BurnInLog::Open(const std::string& out_dir, const BurnInSettings& settings, bool resume) {
  BurnInLog log;
  log.dir_ = out_dir + "/burnin";
  std::string settings_path = log.dir_ + "/settings.json";
  RefuseLinkedFolder(log.dir_);
  if (settings.duration_s > 0 || !resume) CheckDuration(settings.duration_s, "--duration");
  if (!resume) {
    if (Present(settings_path)) {
      throw InputError(fmt::format("{} already holds a burn-in: continue it with --resume, or choose another --out",
                                   out_dir));
    }
    MakeDirectories(log.dir_);
    RefuseLinkedFolder(log.dir_);  // made by us, or planted in between: checked again
    log.settings_ = settings;
    WriteFileAtomically(settings_path, json{{"run_id", settings.run_id},
                                            {"started", settings.started},
                                            {"suite_sha256", settings.suite_sha256},
                                            {"baseline_sha256", settings.baseline_sha256},
                                            {"duration_s", settings.duration_s},
                                            {"nodes", settings.nodes}}
                                           .dump(2) + "\n");
    return log;
  }
  if (!Present(settings_path)) throw InputError(fmt::format("--resume: {} holds no burn-in to continue", out_dir));
  json stored;
  log.settings_ = ReadSettings(settings_path, stored);
  if (log.settings_.suite_sha256 != settings.suite_sha256) {
    throw InputError(settings_path, 0, "--resume with another suite than the burn-in started with");
  }
  if (log.settings_.baseline_sha256 != settings.baseline_sha256) {
    throw InputError(settings_path, 0, "--resume with another baseline than the burn-in started with");
  }
  if (std::string difference = NodeDifference(log.settings_.nodes, settings.nodes); !difference.empty()) {
    throw InputError(settings_path, 0, fmt::format("--resume on other nodes than the burn-in started on ({}): a "
                                                   "burn-in judges the nodes it ran on; start a new one", difference));
  }
  if (settings.duration_s > 0) log.settings_.duration_s = settings.duration_s;
  log.ReadJournal();
  log.resumes_ = stored.value("resumes", 0) + 1;
  stored["resumes"] = log.resumes_;
  stored["duration_s"] = log.settings_.duration_s;
  WriteFileAtomically(settings_path, stored.dump(2) + "\n");
  return log;
}

void BurnInLog::ReadJournal() {
  // Every complete line is a finished iteration; a torn last line (a crash mid-write) is not one, and is cut off
  // so that the next iteration starts on a line of its own (and every later --resume reads the file again).
  const std::string journal = dir_ + "/iterations.jsonl";
  std::string content = Present(journal) ? ReadRegularFile(journal, kMaxInputBytes, false) : std::string();
  std::size_t start = 0;
  int line_number = 0;
  double previous_finished = *UtcSeconds(settings_.started);
  while (start < content.size()) {
    std::size_t end = content.find('\n', start);
    bool last = end == std::string::npos;
    std::string line = content.substr(start, last ? std::string::npos : end - start);
    ++line_number;
    json parsed = line.empty() ? json() : json::parse(line, nullptr, false);
    if (!line.empty() && parsed.is_discarded()) {
      if (!last) throw InputError(journal, line_number, "not a JSON line");
      int fd = ::open(journal.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
      bool cut = fd >= 0 && ::ftruncate(fd, static_cast<off_t>(start)) == 0;  // the torn tail
      if (fd >= 0) ::close(fd);
      if (!cut) throw RunError(fmt::format("cannot cut the torn last line of '{}'", journal));
      break;
    }
    if (!line.empty()) {
      CheckLine(parsed, line_number, previous_finished);
      try {
        Absorb(parsed);
      } catch (const std::exception& e) {  // a failure or value of the wrong shape: the file's fault
        throw InputError(journal, line_number, fmt::format("not a burn-in iteration: {}", e.what()));
      }
      if (last) AppendLineDurably(journal, "");  // whole but unterminated: end its line
    }
    if (last) break;
    start = end + 1;
  }
}

void BurnInLog::CheckLine(const json& line, int line_number, double& previous_finished) const {
  const std::string journal = dir_ + "/iterations.jsonl";
  auto refuse = [&](const std::string& why) { throw InputError(journal, line_number, why); };
  if (!line.is_object()) refuse("not a burn-in iteration (a JSON object)");
  for (const char* field : {"run_id", "iteration", "finished", "elapsed_s", "outcome", "failures", "values"}) {
    if (!line.contains(field)) refuse(fmt::format("not a burn-in iteration: no '{}'", field));
  }
  if (!line["run_id"].is_string() || line["run_id"].get<std::string>() != settings_.run_id) {
    refuse(fmt::format("a line of another burn-in (run id {}, this one is {})", line["run_id"].dump(), settings_.run_id));
  }
  if (!line["iteration"].is_number_integer() || line["iteration"].get<long long>() != iterations_ + 1) {
    refuse(fmt::format("iteration {} follows iteration {}", line["iteration"].dump(), iterations_));
  }
  std::optional<double> finished = line["finished"].is_string() ? UtcSeconds(line["finished"].get<std::string>())
                                                                  : std::nullopt;
  if (!finished) refuse("'finished' is not a UTC time");
  if (!line["elapsed_s"].is_number() || !std::isfinite(line["elapsed_s"].get<double>()) ||
      line["elapsed_s"].get<double>() < elapsed_s_) {
    refuse(fmt::format("elapsed_s {} is not a time at or after the previous iteration's {}", line["elapsed_s"].dump(),
                       elapsed_s_));
  }
  if (!line["outcome"].is_string() || !line["failures"].is_array() || !line["values"].is_object()) {
    refuse("not a burn-in iteration: outcome, failures or values of the wrong type");
  }
  // Burn-in time runs only while Kiln does, so an iteration cannot add more of it than the wall clock moved since
  // the previous one finished (a margin for clock steps): an edited elapsed_s cannot complete a burn-in early.
  constexpr double kClockMargin = 120;
  double added = line["elapsed_s"].get<double>() - elapsed_s_;
  if (*finished < previous_finished - kClockMargin || added > *finished - previous_finished + kClockMargin) {
    refuse(fmt::format("elapsed_s {} does not fit the iteration's own times (finished {}, {:.0f} s after the one "
                       "before): the checkpoint was edited", line["elapsed_s"].dump(), line["finished"].dump(),
                       *finished - previous_finished));
  }
  previous_finished = std::max(previous_finished, *finished);
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
  json line{{"run_id", settings_.run_id},      {"iteration", iterations_ + 1}, {"finished", UtcNow()},
            {"elapsed_s", elapsed_s},
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

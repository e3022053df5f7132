#include "runners/host_answers.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <future>

#include "core/subprocess.hpp"
#include "core/verdict.hpp"
#include "reports/report.hpp"

namespace kiln {
namespace {

constexpr std::size_t kMostAtOnce = 64;
constexpr std::size_t kMostWhyChars = 300;

HostAnswer Ask(const HostEntry& host, const Launcher& launcher, const std::vector<std::string>& extra,
               double timeout_s) {
  HostAnswer answer{host, false, ""};
  ProcessResult result = RunProcess(launcher.AnswerCommand(host.name, extra), timeout_s);
  answer.answered = !result.timed_out && result.exit_code == 0;
  if (result.timed_out) {
    answer.why = fmt::format("no answer through {} within {:g}s", launcher.Name(), timeout_s);
  } else if (!answer.answered) {
    std::string line = FirstMessageLine(result.output);
    answer.why = line.empty() ? fmt::format("{} exited {} without a message", launcher.Name(), result.exit_code)
                              : fmt::format("{}: {}", launcher.Name(), line);
  }
  return answer;
}

}  // namespace

std::string FirstMessageLine(const std::string& output) {
  std::size_t start = 0;
  while (start < output.size()) {
    std::size_t end = output.find('\n', start);
    if (end == std::string::npos) end = output.size();
    std::string line = output.substr(start, end - start);
    start = end + 1;
    line.erase(0, line.find_first_not_of(" \t\r"));
    line.erase(line.find_last_not_of(" \t\r") + 1);
    if (line.empty() || line.starts_with("---")) continue;
    if (line.size() > kMostWhyChars) line = line.substr(0, kMostWhyChars) + "...";
    return line;
  }
  return "";
}

std::vector<HostAnswer> AskHosts(const std::vector<HostEntry>& hosts, const Launcher& launcher,
                                 const std::vector<std::string>& extra, double timeout_s) {
  std::vector<HostAnswer> answers;
  for (std::size_t start = 0; start < hosts.size(); start += kMostAtOnce) {
    std::vector<std::future<HostAnswer>> asking;
    for (std::size_t i = start; i < std::min(hosts.size(), start + kMostAtOnce); ++i) {
      asking.push_back(std::async(std::launch::async, Ask, std::cref(hosts[i]), std::cref(launcher),
                                  std::cref(extra), timeout_s));
    }
    for (auto& answer : asking) answers.push_back(answer.get());
  }
  return answers;
}

Verdict NotJoinedVerdict(const HostAnswer& answer, const std::string& hosts_path) {
  Verdict v;
  v.probe = "launch";
  v.subject = Subject::Node(answer.host.name);
  v.outcome = Outcome::kError;
  v.reason = fmt::format("host listed in {}:{} did not join the job: {}", hosts_path, answer.host.line, answer.why);
  return v;
}

void AddHostsNotJoined(nlohmann::json& report, const std::vector<HostAnswer>& down, const std::string& hosts_path) {
  std::vector<Verdict> verdicts = report.at("verdicts").get<std::vector<Verdict>>();
  for (const HostAnswer& answer : down) verdicts.push_back(NotJoinedVerdict(answer, hosts_path));
  std::string suite;
  if (report.contains("suite") && report["suite"].is_object()) suite = report["suite"].value("name", "");
  report["verdicts"] = verdicts;
  report["summary"] = BuildSummary(verdicts, suite);
}

}  // namespace kiln

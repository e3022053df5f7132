// Slurm's srun: ranks on the nodes of the current allocation, as one job step.

#include <fmt/format.h>

#include <cstdlib>
#include <set>
#include <string_view>

#include "core/errors.hpp"
#include "core/hostlist.hpp"
#include "runners/launchers/launchers.hpp"

namespace kiln {
namespace {

// "node" and "017" of "node017"; the number is empty when the name does not end in digits (or has too many).
std::pair<std::string_view, std::string_view> PrefixAndNumber(std::string_view name) {
  std::size_t digits = name.size();
  while (digits > 0 && name[digits - 1] >= '0' && name[digits - 1] <= '9') --digits;
  if (name.size() - digits > 18) digits = name.size();
  return {name.substr(0, digits), name.substr(digits)};
}

// `names` in hostlist notation that keeps their order (Slurm expands "h[2-3],h1" to h2, h3, h1): runs of
// consecutive numbers of one prefix and width become ranges, nothing is sorted.
std::string OrderedHostlist(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size();) {
    auto [prefix, number] = PrefixAndNumber(names[i]);
    std::size_t j = i + 1;
    if (!number.empty()) {
      const unsigned long long first = std::stoull(std::string(number));
      for (; j < names.size(); ++j) {
        auto [next_prefix, next_number] = PrefixAndNumber(names[j]);
        if (next_prefix != prefix || next_number.size() != number.size() ||
            std::stoull(std::string(next_number)) != first + (j - i)) {
          break;
        }
      }
    }
    if (!out.empty()) out += ',';
    out += j - i == 1 ? names[i]
                      : fmt::format("{}[{}-{:0{}}]", prefix, number, std::stoull(std::string(number)) + (j - i - 1),
                                    number.size());
    i = j;
  }
  return out;
}

// The trial's hosts in the order of the allocation's node list (Slurm's node order, which is the order of the
// step's own list), or "" when one of them is not in the allocation or a name cannot be written in the notation.
std::string StepNodeList(const std::vector<std::string>& hosts, std::string_view allocation) {
  std::set<std::string_view> wanted(hosts.begin(), hosts.end());
  std::vector<std::string> ordered;
  try {
    for (std::string& node : ExpandHostlist(allocation)) {
      if (wanted.count(node) != 0) ordered.push_back(std::move(node));
    }
  } catch (const InputError&) {
    return "";
  }
  for (const std::string& name : ordered) {
    if (name.find_first_of("[],") != std::string::npos) return "";
  }
  return ordered.size() == wanted.size() ? OrderedHostlist(ordered) : "";
}

class Srun final : public Launcher {
 public:
  std::string_view Name() const override { return "srun"; }
  // srun sets SLURM_STEP_ID for every task; an allocation alone (salloc, sbatch) does not.
  bool StartedThisProcess() const override {
    return std::getenv("SLURM_STEP_ID") != nullptr && std::getenv("SLURM_PROCID") != nullptr;
  }
  bool PreferredHere() const override { return std::getenv("SLURM_JOB_ID") != nullptr; }
  std::vector<std::string> LaunchCommand(const LaunchShape& shape) const override {
    std::vector<std::string> command = Placement(shape);
    command.insert(command.end(), shape.extra.begin(), shape.extra.end());
    return command;
  }
  std::vector<std::string> TrialCommand(const LaunchShape& shape) const override {
    std::vector<std::string> command = Placement(shape);
    command.push_back("--kill-on-bad-exit=1");
    command.insert(command.end(), shape.extra.begin(), shape.extra.end());
    return command;
  }
  // Slurm 22.05's PMIx plugin sends a direct-modex request (Open MPI asking a peer rank's connection details on
  // demand) to the node at the rank's place in the *step*, looked up in the *job's* host list (pmixp_dmdx.c takes
  // the step's task map, _slurm_send the job's list). On a step over part of the allocation that is another
  // node, which never answers: the trial hangs until its time is up, and a healthy pair reads as hung
  // (tests/slurm/bisect_slurm.sh link). The plugin reads the job's list from the step's SLURM_JOB_NODELIST, so a
  // trial's srun gets its own hosts there, in the allocation's order: both lists are then the same. The ranks
  // see that list too (nothing in Kiln reads it).
  std::vector<std::string> TrialEnvironment(const LaunchShape& shape) const override {
    const char* allocation = std::getenv("SLURM_JOB_NODELIST");
    if (allocation == nullptr || shape.names.empty()) return {};
    std::string list = StepNodeList(shape.names, allocation);
    if (list.empty()) return {};
    return {"SLURM_JOB_NODELIST=" + list, "SLURM_NODELIST=" + list};
  }
  std::vector<std::string> AnswerCommand(const std::string& host, const std::vector<std::string>& extra) const override {
    std::vector<std::string> command{"srun", "--nodes", "1", "--ntasks", "1", "--nodelist", host};
    command.insert(command.end(), extra.begin(), extra.end());
    command.push_back("true");
    return command;
  }

 private:
  // N tasks on each listed node, one GPU each when asked (--gpus-per-task=1: Slurm binds it to the task).
  static std::vector<std::string> Placement(const LaunchShape& shape) {
    std::vector<std::string> command{"srun", "--nodes", std::to_string(shape.hosts), "--ntasks-per-node",
                                     std::to_string(shape.ranks_per_node), "--nodelist", shape.hostfile};
    if (shape.gpu_per_rank) command.push_back("--gpus-per-task=1");
    return command;
  }
};

}  // namespace

const Launcher& SrunLauncher() {
  static const Srun launcher;
  return launcher;
}

}  // namespace kiln

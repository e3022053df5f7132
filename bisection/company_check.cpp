// A single suspect of the split that failed in two companies (the half's padding, then its retest's, disjoint) is
// a node fault, or an end of links into both: a node with a slow link into each padding fails twice "in different
// company" just as a bad node does (random clusters, two links on one node: accused as a node, both links lost).
// Before the cover has run, the two are told apart. First, all such nodes at once, each with one cleared partner
// from neither company: failing there too, it is a node (links would need a third partner, that one). The rest
// (a node that fails only in company, or links) take up to three tests with a third of each company (thirds i of
// both): a node fault fails all three; links to one partner in each company leave one test that holds neither
// partner (partners in thirds j and k: any i other than both), and it passes. Three tests is the fewest that always
// leave one (with two, partners in the first test's part of one company and the second's of the other fail both).
// A pass leaves the node to the cover (every pair in a small group), which names the links; a node that fails only
// in groups larger than the thirds also passes, is found again after the cover, and accused then.

#include <fmt/format.h>

#include <utility>

#include "bisection/planner_impl.hpp"

namespace kiln {

bool Planner::QueueCompanyCheck(int node, const std::string& stage, const Trial& trial, bool controlled,
                                std::size_t earlier) {
  if (stage != "group" || !controlled || cover_ran_ || trial.members.size() < 3 || earlier == 0) return false;
  const std::vector<int>& company = At(node).failed_company;
  std::vector<int> first(company.begin(), company.begin() + static_cast<std::ptrdiff_t>(earlier));
  company_checks_.push_back({node, std::move(first), std::vector<int>(trial.members.begin() + 1, trial.members.end())});
  return true;
}

bool Planner::CheckCompanies() {
  std::vector<CompanyCheck> checks = std::exchange(company_checks_, {});
  if (checks.empty()) return false;
  std::vector<int> nodes;
  for (const CompanyCheck& check : checks) nodes.push_back(check.node);
  std::vector<char> paired_fail(state_.size(), 0);
  std::vector<Trial> pairs = WithClearedPartners(nodes);  // never a partner from the companies it failed in
  if (!pairs.empty()) {
    Ran ran = RunRound("companies", pairs);
    std::vector<int> failing;
    for (std::size_t i = 0; i < pairs.size(); ++i) {
      int node = pairs[i].members[0];
      At(node).evidence.push_back(ran.round);
      if (IsBad(ran.results[i].outcome)) {
        paired_fail[static_cast<std::size_t>(node)] = 1;
        failing.push_back(node);
      }
    }
    Conclude(ran.round, fmt::format("with a cleared partner from neither company: {} of {} fail{}", failing.size(),
                                    pairs.size(), failing.empty() ? "" : fmt::format(" ({})", Names(failing))));
  }
  bool links = false;
  for (const CompanyCheck& check : checks) {
    NodeState& s = At(check.node);
    if (paired_fail[static_cast<std::size_t>(check.node)]) {
      Accuse(check.node, "group",
             fmt::format("failed {} tests in different company, the last with one cleared partner", s.bad + 1));
      continue;
    }
    links = CheckThirds(check) || links;
  }
  return links;
}

bool Planner::CheckThirds(const CompanyCheck& check) {
  NodeState& s = At(check.node);
  const std::string& name = names_[static_cast<std::size_t>(check.node)];
  int failed = 0;
  for (std::size_t third = 0; third < 3 && failed == static_cast<int>(third); ++third) {
    Trial trial{TrialKind::kGroup, {check.node}, 1};
    for (const std::vector<int>* company : {&check.first, &check.second}) {
      const std::size_t n = company->size();
      trial.members.insert(trial.members.end(), company->begin() + static_cast<std::ptrdiff_t>(n * third / 3),
                           company->begin() + static_cast<std::ptrdiff_t>(n * (third + 1) / 3));
    }
    Ran ran = RunRound("companies", {trial});
    s.evidence.push_back(ran.round);
    const bool bad = IsBad(ran.results[0].outcome);
    failed += bad ? 1 : 0;
    Conclude(ran.round, fmt::format("{} with third {} of both companies it failed in: {}", name, third + 1,
                                    bad ? Describe(ran.results[0]) : "passes: links into them, not a node"));
  }
  if (failed == 3) {
    Accuse(check.node, "group",
           fmt::format("failed {} tests in different company, and with each third of the two companies it failed "
                       "in (not links into them)",
                       s.bad + 3));
    return false;
  }
  // Not a node fault at this size: the cover names its links. Never padding until then.
  s.bad = 0;
  s.tested = 0;
  s.link_suspect = true;
  return true;
}

}  // namespace kiln

#include "bisection/planner.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <stdexcept>

namespace kiln {

std::string_view ToString(TrialKind kind) {
  switch (kind) {
    case TrialKind::kNode: return "node";
    case TrialKind::kPair: return "pair";
    case TrialKind::kGroup: return "group";
  }
  return "?";
}

std::string_view ToString(TrialOutcome outcome) {
  switch (outcome) {
    case TrialOutcome::kPass: return "pass";
    case TrialOutcome::kFail: return "fail";
    case TrialOutcome::kHang: return "hang";
    case TrialOutcome::kCrash: return "crash";
    case TrialOutcome::kSkipped: return "skipped";
  }
  return "?";
}

std::string_view ToString(FindingKind kind) {
  switch (kind) {
    case FindingKind::kNode: return "node";
    case FindingKind::kLink: return "link";
    case FindingKind::kUnresolved: return "unresolved";
  }
  return "?";
}

double CulpritSetLowerBound(int nodes, int culprits) {
  if (culprits <= 0 || culprits > nodes) return 0;
  double n = nodes, d = culprits;
  return (std::lgamma(n + 1) - std::lgamma(d + 1) - std::lgamma(n - d + 1)) / std::log(2.0);
}

namespace {

struct RoundLimitReached {};

// What is known of one node so far.
struct NodeState {
  bool accused = false;
  bool cleared = false;  // passed a test in company of nodes under no suspicion
  int bad = 0;           // bad results while it was the one under test
  int tested = 0;        // tests while it was the one under test (after its first failure)
  int last_partner = -1;
  std::vector<int> evidence;  // rounds
};

class Planner {
 public:
  Planner(const std::vector<std::string>& names, TrialExecutor& executor, const BisectOptions& options)
      : names_(names), executor_(executor), options_(options), state_(names.size()) {}

  BisectResult Run() {
    try {
      if (options_.node_stage) NodeStage();
      if (options_.pair_stage) PairStage();
      if (options_.group_stage) GroupStage();
    } catch (const RoundLimitReached&) {
      Unresolved({}, "search", fmt::format("stopped after {} rounds, the limit", options_.max_rounds), {});
    }
    Summarize();
    return std::move(result_);
  }

 private:
  // ---- bookkeeping ----------------------------------------------------------------------------------

  struct Ran {
    int round = -1;
    std::vector<TrialResult> results;
  };

  Ran RunRound(const std::string& stage, std::vector<Trial> trials) {
    if (trials.empty()) return {};
    if (static_cast<int>(result_.rounds.size()) >= options_.max_rounds) throw RoundLimitReached{};
    std::vector<TrialResult> results = executor_.RunRound(trials);
    if (results.size() != trials.size()) {
      throw std::logic_error(fmt::format("bisection executor returned {} results for {} trials", results.size(),
                                         trials.size()));
    }
    int index = static_cast<int>(result_.rounds.size());
    result_.tests += static_cast<int>(trials.size());
    result_.rounds.push_back({index, stage, std::move(trials), results, ""});
    return {index, std::move(results)};
  }

  void Conclude(int round, std::string text) {
    if (round >= 0) result_.rounds[static_cast<std::size_t>(round)].conclusion = std::move(text);
  }

  std::string Names(const std::vector<int>& nodes, std::size_t limit = 8) const {
    std::string text;
    for (std::size_t i = 0; i < nodes.size() && i < limit; ++i) {
      if (i > 0) text += ", ";
      text += names_[static_cast<std::size_t>(nodes[i])];
    }
    if (nodes.size() > limit) text += fmt::format(" and {} more", nodes.size() - limit);
    return text;
  }

  std::string Describe(const TrialResult& r) const {
    std::string text(ToString(r.outcome));
    if (r.value) text += fmt::format(" ({} = {:.4g} {})", r.metric, *r.value, r.unit);
    if (!r.reason.empty()) text += ": " + r.reason;
    return text;
  }

  NodeState& At(int node) { return state_[static_cast<std::size_t>(node)]; }

  std::vector<int> Alive() const {
    std::vector<int> alive;
    for (std::size_t i = 0; i < state_.size(); ++i) {
      if (!state_[i].accused) alive.push_back(static_cast<int>(i));
    }
    return alive;
  }

  void Accuse(int node, const std::string& stage, const std::string& reason) {
    NodeState& s = At(node);
    s.accused = true;
    s.cleared = false;
    result_.findings.push_back({FindingKind::kNode, {node}, stage, reason, s.evidence});
  }

  void Unresolved(std::vector<int> members, const std::string& stage, const std::string& reason,
                  std::vector<int> rounds) {
    result_.findings.push_back({FindingKind::kUnresolved, std::move(members), stage, reason, std::move(rounds)});
  }

  // ---- settling suspects ----------------------------------------------------------------------------

  // Tests each suspect again, each time in other company (made by `make`), until it has failed twice
  // (accused) or, when it has failed once, passed `retests` + 1 times (left unresolved: its failure did not
  // repeat), or, when it has not failed yet, passed once (cleared). `make` returns the trials it can fit in
  // one round for the pending suspects (the suspect first in each); the others wait for the next round.
  using TrialMaker = std::function<std::vector<Trial>(const std::vector<int>& pending)>;

  // `explained` (optional) says whether a node's failures are all explained by culprits found meanwhile.
  void Settle(std::vector<int> pending, const std::string& stage, const TrialMaker& make,
              const std::function<bool(int)>& explained = {}) {
    const int budget = options_.retests + 1;
    for (int node : pending) At(node).cleared = false;  // under suspicion again, whatever it passed before
    while (!pending.empty()) {
      std::vector<Trial> trials = make(pending);
      if (trials.empty()) {
        for (int node : pending) {
          Unresolved({node}, stage, "no cleared node left to test it with", At(node).evidence);
        }
        return;
      }
      bool first = std::all_of(trials.begin(), trials.end(), [&](const Trial& t) { return At(t.members[0]).tested == 0; });
      Ran ran = RunRound(first ? "confirm" : "retest", trials);
      int accused = 0, cleared = 0;
      for (std::size_t i = 0; i < trials.size(); ++i) {
        int node = trials[i].members[0];
        NodeState& s = At(node);
        const TrialResult& r = ran.results[i];
        ++s.tested;
        if (trials[i].members.size() > 1) s.last_partner = trials[i].members[1];
        if (r.outcome == TrialOutcome::kSkipped) {
          Unresolved({node}, stage, "the probe was skipped on retest: " + r.reason, s.evidence);
          s.tested = budget + 1;  // leaves the pending list below
          continue;
        }
        if (IsBad(r.outcome)) {
          ++s.bad;
          s.evidence.push_back(ran.round);
          if (s.bad >= 2) {
            Accuse(node, stage, fmt::format("failed {} of {} tests in different company; last: {}", s.bad,
                                            s.tested + 1, Describe(r)));
            ++accused;
          }
        } else if (s.bad == 0) {
          s.cleared = true;
          ++cleared;
        }
      }
      std::vector<int> next;
      for (int node : pending) {
        NodeState& s = At(node);
        if (s.accused || s.cleared) continue;
        if (s.tested > budget) continue;
        if (s.bad == 1 && explained && explained(node)) {
          s.bad = 0;
          s.cleared = true;
          continue;
        }
        if (s.tested == budget && s.bad < 2) {
          Unresolved({node}, stage,
                     fmt::format("failed once, then passed {} retests in other company: intermittent, not accused",
                                 s.tested - s.bad + 1),
                     s.evidence);
          continue;
        }
        next.push_back(node);
      }
      Conclude(ran.round, fmt::format("{} accused, {} cleared, {} still pending", accused, cleared, next.size()));
      pending = std::move(next);
    }
  }

  // ---- stage 1: node ----------------------------------------------------------------------------------

  void NodeStage() {
    std::vector<Trial> trials;
    for (int node : Alive()) trials.push_back({TrialKind::kNode, {node}, 1});
    Ran ran = RunRound("node", trials);
    std::vector<int> failed;
    int skipped = 0;
    for (std::size_t i = 0; i < trials.size(); ++i) {
      int node = trials[i].members[0];
      if (IsBad(ran.results[i].outcome)) {
        failed.push_back(node);
        At(node).bad = 1;
        At(node).evidence.push_back(ran.round);
      }
      skipped += ran.results[i].outcome == TrialOutcome::kSkipped ? 1 : 0;
    }
    Conclude(ran.round, failed.empty()
                            ? (skipped == static_cast<int>(trials.size())
                                   ? std::string("the node probe was skipped on every node")
                                   : fmt::format("all {} nodes pass alone", trials.size() - skipped))
                            : fmt::format("{} node(s) fail alone: {}", failed.size(), Names(failed)));
    Settle(failed, "node", [](const std::vector<int>& pending) {
      std::vector<Trial> again;
      for (int node : pending) again.push_back({TrialKind::kNode, {node}, 1});
      return again;
    });
  }

  // ---- stage 2: pair --------------------------------------------------------------------------------

  // Pairs each pending node with a cleared node it did not meet last time; every cleared node at most
  // once per round.
  std::vector<Trial> WithClearedPartners(const std::vector<int>& pending) {
    std::vector<int> cleared;
    for (std::size_t i = 0; i < state_.size(); ++i) {
      if (state_[i].cleared && !state_[i].accused) cleared.push_back(static_cast<int>(i));
    }
    std::vector<Trial> trials;
    if (cleared.empty()) return trials;
    std::vector<char> used(state_.size(), 0);
    for (int node : pending) used[static_cast<std::size_t>(node)] = 1;
    for (int node : pending) {
      for (std::size_t tries = 0; tries < cleared.size(); ++tries) {
        int partner = cleared[partner_cursor_++ % cleared.size()];
        if (used[static_cast<std::size_t>(partner)]) continue;
        if (partner == At(node).last_partner && cleared.size() > 1) continue;
        used[static_cast<std::size_t>(partner)] = 1;
        trials.push_back({TrialKind::kPair, {node, partner}, 1});
        break;
      }
    }
    return trials;
  }

  void PairStage() {
    std::vector<int> alive = Alive();
    if (alive.size() < 2) return;
    struct FailedPair {
      int a, b, round;
    };
    std::vector<FailedPair> failed;
    auto run_matching = [&](std::size_t shift) {
      std::vector<Trial> trials;
      for (std::size_t k = 0; k < alive.size() / 2; ++k) {
        std::size_t first = shift + 2 * k;
        trials.push_back({TrialKind::kPair, {alive[first % alive.size()], alive[(first + 1) % alive.size()]}, 2});
      }
      Ran ran = RunRound("pair", trials);
      int bad = 0;
      for (std::size_t i = 0; i < trials.size(); ++i) {
        int a = trials[i].members[0], b = trials[i].members[1];
        if (IsBad(ran.results[i].outcome)) {
          failed.push_back({a, b, ran.round});
          ++bad;
        } else if (ran.results[i].outcome == TrialOutcome::kPass) {
          At(a).cleared = At(b).cleared = true;
        }
      }
      Conclude(ran.round, fmt::format("{} of {} pairs fail", bad, trials.size()));
    };
    run_matching(0);
    bool any_cleared = std::any_of(alive.begin(), alive.end(), [&](int n) { return At(n).cleared; });
    if (!failed.empty() && !any_cleared && alive.size() > 2) {
      run_matching(1);  // other partners, to find nodes that pass at all
      any_cleared = std::any_of(alive.begin(), alive.end(), [&](int n) { return At(n).cleared; });
    }
    if (!any_cleared) {
      if (!failed.empty()) {
        Unresolved({}, "pair", "every pair fails: no node could be cleared in pairs; left to the group stage",
                   {failed.front().round});
      }
      return;
    }
    // Members of failing pairs (and a node left out of every pair) meet a cleared node.
    std::vector<int> suspects;
    for (int node : alive) {
      bool in_failed = std::any_of(failed.begin(), failed.end(), [&](const FailedPair& p) { return p.a == node || p.b == node; });
      if (At(node).cleared) continue;
      if (in_failed) {
        At(node).bad = 1;
        for (const FailedPair& p : failed) {
          if (p.a == node || p.b == node) At(node).evidence.push_back(p.round);
        }
      }
      suspects.push_back(node);
    }
    std::vector<int> to_settle;
    if (!suspects.empty()) {
      // Re-pairing: a suspect failing again with a cleared partner is accused; the others are settled below.
      // (More than one round only when there are more suspects than cleared nodes.)
      std::vector<int> pending = suspects;
      while (!pending.empty()) {
        std::vector<Trial> trials = WithClearedPartners(pending);
        if (trials.empty()) {
          to_settle.insert(to_settle.end(), pending.begin(), pending.end());  // Settle says why they stay open
          break;
        }
        Ran ran = RunRound("repair", trials);
        std::vector<int> accused;
        for (std::size_t i = 0; i < trials.size(); ++i) {
          int node = trials[i].members[0];
          NodeState& s = At(node);
          s.last_partner = trials[i].members[1];
          pending.erase(std::find(pending.begin(), pending.end(), node));
          const TrialResult& r = ran.results[i];
          if (!IsBad(r.outcome)) {
            if (s.bad == 0) s.cleared = r.outcome == TrialOutcome::kPass;
            else to_settle.push_back(node);
            continue;
          }
          s.evidence.push_back(ran.round);
          if (++s.bad >= 2) {
            Accuse(node, "pair", fmt::format("fails in pairs with {} and with the cleared node {}; last: {}",
                                             names_[static_cast<std::size_t>(FirstPartner(failed, node))],
                                             names_[static_cast<std::size_t>(trials[i].members[1])], Describe(r)));
            accused.push_back(node);
          } else {
            to_settle.push_back(node);  // a node left out of every pair that failed once: settle it below
          }
        }
        Conclude(ran.round, accused.empty() ? std::string("every suspect passes with a cleared partner")
                                            : fmt::format("accused: {}", Names(accused)));
      }
    }
    // A node whose every failed pair had an accused partner: its failures are explained.
    auto explained = [&](int node) {
      return std::all_of(failed.begin(), failed.end(), [&](const FailedPair& p) {
        return (p.a != node && p.b != node) || At(p.a == node ? p.b : p.a).accused;
      });
    };
    for (int node : to_settle) {
      if (At(node).accused || At(node).bad != 1) continue;
      if (explained(node)) {
        At(node).bad = 0;
        At(node).cleared = true;
      }
    }
    // A failed pair whose members both pass with others: the link between them, if the pair fails twice more
    // (a flapping end could fake one repeat).
    std::vector<Trial> link_trials;
    std::vector<const FailedPair*> link_pairs;
    for (const FailedPair& p : failed) {
      if (At(p.a).accused || At(p.b).accused) continue;
      link_trials.push_back({TrialKind::kPair, {p.a, p.b}, 2});
      link_pairs.push_back(&p);
    }
    std::vector<int> intermittent;
    // Pairs from two matchings may share a node; run them in rounds of disjoint pairs.
    while (!link_trials.empty()) {
      std::vector<Trial> round;
      std::vector<const FailedPair*> round_pairs;
      std::vector<Trial> later;
      std::vector<const FailedPair*> later_pairs;
      std::vector<char> busy(state_.size(), 0);
      for (std::size_t i = 0; i < link_trials.size(); ++i) {
        auto a = static_cast<std::size_t>(link_trials[i].members[0]), b = static_cast<std::size_t>(link_trials[i].members[1]);
        if (busy[a] || busy[b]) {
          later.push_back(link_trials[i]);
          later_pairs.push_back(link_pairs[i]);
          continue;
        }
        busy[a] = busy[b] = 1;
        round.push_back(link_trials[i]);
        round_pairs.push_back(link_pairs[i]);
      }
      Ran ran = RunRound("link", round);
      Ran again = RunRound("link", round);
      int links = 0;
      for (std::size_t i = 0; i < round.size(); ++i) {
        const FailedPair& p = *round_pairs[i];
        if (IsBad(ran.results[i].outcome) && IsBad(again.results[i].outcome)) {
          result_.findings.push_back(
              {FindingKind::kLink, {p.a, p.b}, "pair",
               fmt::format("the pair fails three times while each node passes with other partners; last: {}",
                           Describe(again.results[i])),
               {p.round, ran.round, again.round}});
          ++links;
          // The nodes themselves are fine: they passed with cleared partners.
          At(p.a).bad = At(p.b).bad = 0;
          At(p.a).cleared = At(p.b).cleared = true;
        } else {
          intermittent.push_back(p.a);
          intermittent.push_back(p.b);
        }
      }
      Conclude(ran.round, "each suspect link, once more");
      Conclude(again.round, fmt::format("{} of {} pairs fail both times: link(s) accused", links, round.size()));
      link_trials = std::move(later);
      link_pairs = std::move(later_pairs);
    }
    // Whatever failed once and did not repeat: retest with other cleared partners.
    std::vector<int> settle;
    for (int node : to_settle) {
      if (!At(node).accused && !At(node).cleared) settle.push_back(node);
    }
    for (int node : intermittent) {
      if (!At(node).accused && !At(node).cleared && std::find(settle.begin(), settle.end(), node) == settle.end()) {
        settle.push_back(node);
      }
    }
    for (int node : settle) At(node).tested = 1;  // the re-pairing counts as its first retest
    Settle(settle, "pair", [this](const std::vector<int>& pending) { return WithClearedPartners(pending); }, explained);
  }

  template <typename Pairs>
  static int FirstPartner(const Pairs& failed, int node) {
    for (const auto& p : failed) {
      if (p.a == node) return p.b;
      if (p.b == node) return p.a;
    }
    return node;
  }

  // ---- stage 3: group -------------------------------------------------------------------------------

  // `under_test` followed by cleared nodes from the pool (not yet used this round) up to `target` members.
  Trial Padded(std::vector<int> under_test, std::size_t target, std::vector<char>& used) {
    Trial trial{TrialKind::kGroup, std::move(under_test), 0};
    trial.under_test = static_cast<int>(trial.members.size());
    for (std::size_t tries = 0; trial.members.size() < target && tries < pool_.size(); ++tries) {
      int node = pool_[pool_cursor_++ % pool_.size()];
      if (used[static_cast<std::size_t>(node)] || At(node).accused) continue;
      used[static_cast<std::size_t>(node)] = 1;
      trial.members.push_back(node);
    }
    return trial;
  }

  // The nodes a group test runs on: all not accused, less one end of each accused link (with both ends in,
  // the group could only fail again).
  std::vector<int> GroupMembers() const {
    std::vector<char> out(state_.size(), 0);
    for (const Finding& f : result_.findings) {
      if (f.kind == FindingKind::kLink) out[static_cast<std::size_t>(f.members[1])] = 1;
    }
    std::vector<int> members;
    for (int node : Alive()) {
      if (!out[static_cast<std::size_t>(node)]) members.push_back(node);
    }
    return members;
  }

  std::vector<int> Joined(std::vector<int> a, const std::vector<int>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  }

  // The group a ∪ b fails while a and b pass alone: find one node of each side that the failure needs, by
  // halving each side while the other stays whole (groups stay at least half as large as a ∪ b). The two
  // are a link if they also fail as a pair; otherwise nobody is accused.
  void ResolveInteraction(const std::vector<int>& a, const std::vector<int>& b, int round) {
    std::vector<int> evidence{round};
    auto narrow = [&](std::vector<int> side, const std::vector<int>& other, bool side_first) {
      while (side.size() > 1) {
        std::vector<int> first(side.begin(), side.begin() + static_cast<std::ptrdiff_t>(side.size() / 2));
        std::vector<int> group = side_first ? Joined(first, other) : Joined(other, first);
        Ran ran = RunRound("cross", {{TrialKind::kGroup, group, static_cast<int>(group.size())}});
        bool bad = IsBad(ran.results[0].outcome);
        Conclude(ran.round, fmt::format("{} of {} with the other side {}", first.size(), side.size(),
                                        bad ? "fails: the culprit is among them" : "passes: the culprit is in the rest"));
        evidence.push_back(ran.round);
        side = bad ? first : std::vector<int>(side.begin() + static_cast<std::ptrdiff_t>(first.size()), side.end());
      }
      return side[0];
    };
    int x = narrow(a, b, true);
    int y = narrow(b, a, false);
    Ran pair = RunRound("cross", {{TrialKind::kPair, {x, y}, 2}});
    evidence.push_back(pair.round);
    std::string who = fmt::format("{} and {}", names_[static_cast<std::size_t>(x)], names_[static_cast<std::size_t>(y)]);
    bool link = IsBad(pair.results[0].outcome);
    if (link) {
      // A flapping end would fake this: each end with a cleared partner, then the pair once more.
      std::vector<Trial> ends = WithClearedPartners({x, y});
      Ran apart = RunRound("cross", ends);
      std::vector<int> failing_ends;
      for (std::size_t i = 0; i < ends.size(); ++i) {
        int node = ends[i].members[0];
        At(node).last_partner = ends[i].members[1];
        if (IsBad(apart.results[i].outcome)) {
          failing_ends.push_back(node);
          At(node).bad = 1;
          At(node).tested = 1;
          At(node).evidence = {pair.round, apart.round};
        }
      }
      Conclude(apart.round, failing_ends.empty() ? "each end passes with a cleared partner"
                                                 : fmt::format("fails with a cleared partner too: {}", Names(failing_ends)));
      if (!failing_ends.empty()) {
        Conclude(pair.round, "the pair fails");
        Settle(failing_ends, "group", [this](const std::vector<int>& pending) { return WithClearedPartners(pending); });
        return;
      }
      Ran again = RunRound("cross", {{TrialKind::kPair, {x, y}, 2}});
      evidence.push_back(again.round);
      link = IsBad(again.results[0].outcome);
      Conclude(again.round, link ? "the pair fails again" : "the pair passes now");
    }
    if (link) {
      Conclude(pair.round, "the pair fails: a link");
      result_.findings.push_back(
          {FindingKind::kLink, {x, y}, "group",
           fmt::format("the group fails only with both {} in it, and the pair fails too; last: {}", who,
                       Describe(pair.results[0])),
           evidence});
    } else {
      Conclude(pair.round, "the pair passes");
      Unresolved({x, y}, "group",
                 fmt::format("the group fails only with both {} in it, but their pair passes: a fault that needs "
                             "more nodes; neither is accused",
                             who),
                 evidence);
    }
  }

  void GroupStage() {
    std::vector<int> alive = GroupMembers();
    if (alive.empty()) return;
    Ran first = RunRound("group", {{TrialKind::kGroup, alive, static_cast<int>(alive.size())}});
    const TrialResult& whole = first.results[0];
    if (whole.outcome == TrialOutcome::kSkipped) {
      Conclude(first.round, "the group probe was skipped: " + whole.reason);
      Unresolved({}, "group", "the group probe was skipped: " + whole.reason, {first.round});
      return;
    }
    if (!IsBad(whole.outcome)) {
      Conclude(first.round, fmt::format("the {} remaining nodes pass as one group", alive.size()));
      return;
    }
    result_.group_failed = true;
    Conclude(first.round, fmt::format("the group of {} fails: {}; splitting", alive.size(), Describe(whole)));
    const std::size_t target = options_.keep_scale ? (alive.size() + 1) / 2 : 0;
    std::vector<std::vector<int>> failing{alive};
    std::vector<int> singles;
    struct Interaction {
      std::vector<int> a, b;
      int round;
    };
    std::vector<Interaction> interactions;
    while (!failing.empty()) {
      std::vector<Trial> trials;
      std::vector<char> used(state_.size(), 0);
      for (const auto& group : failing) {
        for (int node : group) used[static_cast<std::size_t>(node)] = 1;
      }
      // Share the pool fairly: a round with many groups pads each less.
      std::size_t halves = 2 * failing.size();
      for (const auto& group : failing) {
        std::size_t mid = group.size() / 2;
        std::vector<int> a(group.begin(), group.begin() + static_cast<std::ptrdiff_t>(mid));
        std::vector<int> b(group.begin() + static_cast<std::ptrdiff_t>(mid), group.end());
        std::size_t share = pool_.size() / halves;
        trials.push_back(Padded(a, std::min(target, a.size() + share), used));
        trials.push_back(Padded(b, std::min(target, b.size() + share), used));
      }
      Ran ran = RunRound("split", trials);
      std::vector<std::vector<int>> next;
      int bad_halves = 0;
      for (std::size_t g = 0; g < failing.size(); ++g) {
        bool any_bad = false;
        std::vector<int> halves_of_g[2];
        for (std::size_t h = 0; h < 2; ++h) {
          const Trial& t = trials[2 * g + h];
          std::vector<int> half(t.members.begin(), t.members.begin() + t.under_test);
          halves_of_g[h] = half;
          if (IsBad(ran.results[2 * g + h].outcome)) {
            any_bad = true;
            ++bad_halves;
            for (int node : half) At(node).evidence.push_back(ran.round);
            if (half.size() == 1) {
              At(half[0]).bad = 1;
              singles.push_back(half[0]);
            } else {
              next.push_back(std::move(half));
            }
          } else if (ran.results[2 * g + h].outcome == TrialOutcome::kPass) {
            for (int node : half) {
              pool_.push_back(node);
              At(node).cleared = true;
            }
          }
        }
        if (!any_bad) interactions.push_back({halves_of_g[0], halves_of_g[1], ran.round});
      }
      Conclude(ran.round, fmt::format("{} of {} halves fail{}", bad_halves, trials.size(),
                                      singles.empty() ? "" : fmt::format("; single suspects so far: {}", Names(singles))));
      failing = std::move(next);
    }
    // A single node under test failed once with cleared company: again with other cleared company.
    Settle(singles, "group", [this, target](const std::vector<int>& pending) {
      std::vector<Trial> trials;
      std::vector<char> used(state_.size(), 0);
      for (int node : pending) used[static_cast<std::size_t>(node)] = 1;
      std::size_t share = pool_.empty() ? 0 : pool_.size() / pending.size();
      for (int node : pending) trials.push_back(Padded({node}, std::min(target, 1 + share), used));
      return trials;
    });
    // A group that fails while both its halves pass: the fault needs nodes of both halves.
    for (const Interaction& i : interactions) ResolveInteraction(i.a, i.b, i.round);
    // The proof: everything not accused passes as one group.
    std::vector<int> rest = GroupMembers();
    if (rest.empty()) return;
    Ran last = RunRound("final", {{TrialKind::kGroup, rest, static_cast<int>(rest.size())}});
    final_group_passed_ = !IsBad(last.results[0].outcome);
    Conclude(last.round, final_group_passed_
                             ? fmt::format("without the accused, the {} remaining nodes pass as one group", rest.size())
                             : fmt::format("the {} remaining nodes still fail as one group: {}", rest.size(),
                                           Describe(last.results[0])));
    if (!final_group_passed_) {
      Unresolved({}, "group", "the nodes left after the accused still fail as a group", {last.round});
    }
  }

  // ---- summary --------------------------------------------------------------------------------------

  void Summarize() {
    int nodes = 0, links = 0, unresolved = 0;
    for (const Finding& f : result_.findings) {
      nodes += f.kind == FindingKind::kNode ? 1 : 0;
      links += f.kind == FindingKind::kLink ? 1 : 0;
      unresolved += f.kind == FindingKind::kUnresolved ? 1 : 0;
    }
    result_.resolved = unresolved == 0 && (!result_.group_failed || final_group_passed_);
    result_.conclusion = fmt::format("{} node(s) and {} link(s) accused, {} unresolved, in {} round(s) and {} test(s)",
                                     nodes, links, unresolved, result_.rounds.size(), result_.tests);
  }

  const std::vector<std::string>& names_;
  TrialExecutor& executor_;
  BisectOptions options_;
  std::vector<NodeState> state_;
  std::vector<int> pool_;  // nodes cleared in the group stage, for padding
  std::size_t pool_cursor_ = 0;
  std::size_t partner_cursor_ = 0;
  bool final_group_passed_ = false;
  BisectResult result_;
};

}  // namespace

BisectResult Bisect(const std::vector<std::string>& names, TrialExecutor& executor, const BisectOptions& options) {
  if (names.empty()) throw std::invalid_argument("bisection needs at least one node");
  return Planner(names, executor, options).Run();
}

}  // namespace kiln

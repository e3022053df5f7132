#pragma once
// Inside the bisection planner (bisection/planner.hpp is its interface): the search's state and bookkeeping
// (planner.cpp), and one file per stage: node_stage.cpp, pair_stage.cpp, group_stage.cpp. Not for other layers.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bisection/planner.hpp"

namespace kiln {

struct RoundLimitReached {};

inline constexpr int kNoLeafYet = -2;

// The topology stages' verdict on a leaf, and a node's pair test not run (topology_*.cpp).
enum LeafVerdict : char { kFine = 0, kSlowSwitch = 1, kSlowUplink = 2 };
inline constexpr int kUntested = -1;

// A finding about one node: accused, or left unresolved alone.
inline bool SingleNode(const Finding& f) {
  return f.kind == FindingKind::kNode || (f.kind == FindingKind::kUnresolved && f.members.size() == 1);
}

// What is known of one node so far.
struct NodeState {
  bool accused = false;
  bool cleared = false;  // passed a test in company of nodes under no suspicion
  int bad = 0;           // bad results while it was the one under test
  int tested = 0;        // tests while it was the one under test (after its first failure)
  int last_partner = -1;
  int pair_passes = 0;   // pair stage, first rounds: partners it passed with
  int pair_fails = 0;    // ... and failed with
  bool tainted = false;  // was company that failed a control: never padding again
  bool link_suspect = false;  // passed with part of the companies it failed in (company_check.cpp): never padding
  std::vector<int> failed_company;  // the company of its counted failures: never its company again
  // Under a tree: the leaf (-1: none) of the cleared partner it first failed with across leaves (flapping_ends.cpp).
  int failed_leaf = kNoLeafYet;
  std::vector<int> evidence;  // rounds
};

class Planner {
 public:
  // Whether every pair among the nodes passed a test together before (so a test of them cannot fail).
  using KnownGood = std::function<bool(const std::vector<int>&)>;

  Planner(const std::vector<std::string>& names, TrialExecutor& executor, const BisectOptions& options)
      : names_(names), executor_(executor), options_(options), state_(names.size()) {}

  BisectResult Run();

 private:
  struct Ran {
    int round = -1;
    std::vector<TrialResult> results;
  };
  struct FailedPair {
    int a, b, round;
  };
  struct Interaction {  // a group that failed while both its halves passed
    std::vector<int> a, b;
    int round;
  };
  // The trials a round can fit for the pending suspects (the suspect first in each).
  using TrialMaker = std::function<std::vector<Trial>(const std::vector<int>& pending)>;

  // ---- bookkeeping (planner.cpp) ----
  Ran RunRound(const std::string& stage, std::vector<Trial> trials);
  void Conclude(int round, std::string text);
  std::string Names(const std::vector<int>& nodes, std::size_t limit = 8) const;
  std::string Describe(const TrialResult& r) const;
  NodeState& At(int node) { return state_[static_cast<std::size_t>(node)]; }
  std::vector<int> Alive() const;
  void Accuse(int node, const std::string& stage, const std::string& reason);
  void Unresolved(std::vector<int> members, const std::string& stage, const std::string& reason,
                  std::vector<int> rounds);
  // Tests each suspect again, each time in other company (made by `make`), until it has failed twice
  // (accused) or, when it has failed once, passed `retests` + 1 times (left unresolved: its failure did not
  // repeat), or, when it has not failed yet, passed once (cleared). `explained` (optional) says whether a
  // node's failures are all explained by culprits found meanwhile.
  // `controlled`: a failure in company counts only when that company, without the node, passes at once
  // after (a control); company that fails alone is tainted and never pads again.
  void Settle(std::vector<int> pending, const std::string& stage, const TrialMaker& make,
              const std::function<bool(int)>& explained = {}, bool controlled = false);
  struct SettleCount {
    int accused = 0, cleared = 0, voided = 0;
  };
  // One round of Settle read: each suspect's failure counted (accused at two; its company is never its partner
  // again) or its pass clearing it.
  SettleCount CountSettled(const std::vector<Trial>& trials, const Ran& ran, const std::vector<char>& void_result,
                           const std::string& stage, bool controlled);
  // The suspects Settle tests again: not accused, cleared, explained, or out of retests (left unresolved).
  std::vector<int> StillPending(const std::vector<int>& pending, const std::string& stage,
                                const std::function<bool(int)>& explained);
  // Runs, for each failed trial, its company without the suspect (members[0]); says which failures are void
  // because the company fails alone too.
  std::vector<char> Controls(const std::vector<Trial>& trials, const Ran& ran);
  // Pairs each pending node with a cleared node it did not meet last time; every cleared node at most once
  // per round; with same_leaf_first, under a tree, a partner under the node's own leaf when one is free.
  std::vector<Trial> WithClearedPartners(const std::vector<int>& pending, bool same_leaf_first = false);
  void MergeRepeatedAccusations();
  void Summarize();

  // ---- stage 1: node (node_stage.cpp) ----
  void NodeStage();
  // A node trial whose value is far below the peers' median fails (the median of the first node round with
  // three values or more is the reference for every later node trial).
  void JudgeAgainstPeers(const std::vector<Trial>& trials, std::vector<TrialResult>& results);

  // ---- stage 2: pair (pair_stage.cpp) ----
  void PairStage();
  // Every pair of a small cluster (the circle method), one matching of a larger one (two when the first clears
  // nobody); says what they covered (result_.pair_coverage).
  void FirstPairRounds(const std::vector<int>& alive, std::vector<FailedPair>& failed);
  // Clears the nodes the pairs speak for (suspects: failing with more partners than they pass with); returns
  // whether any node was cleared.
  bool ClearByPairs(const std::vector<int>& alive, const std::vector<FailedPair>& failed);
  // Disjoint pairs, all at once; counts each member's passes and failures.
  void RunPairs(const std::vector<Trial>& trials, std::vector<FailedPair>& failed);
  // Disjoint pairs of `alive` from position `shift`.
  void RunMatching(const std::vector<int>& alive, std::size_t shift, std::vector<FailedPair>& failed);
  // Every pair of `alive`: the circle method's rounds.
  void RunEveryPair(const std::vector<int>& alive, std::vector<FailedPair>& failed);
  // Each suspect with a cleared partner: failing again accuses it. Returns the nodes left to settle.
  std::vector<int> RepairSuspects(const std::vector<int>& suspects, const std::vector<FailedPair>& failed);
  // A failed pair whose ends both pass with others: a link when it fails twice more. Returns the ends of the
  // pairs whose failure did not repeat.
  // `repeats`: how many more times the pair must fail (fewer when a narrowing already saw it fail in other company).
  std::vector<int> ConfirmLinks(const std::vector<FailedPair>& failed, const std::string& stage = "pair",
                                int repeats = 2);
  static int FirstPartner(const std::vector<FailedPair>& failed, int node);

  // ---- stage 2b: cover (cover_stage.cpp) ----
  // Every pair of the nodes left in a group test of at most `limit` nodes (0: about sqrt(n)); returns whether a
  // group failed.
  bool CoverStage(int limit);
  // The cover's rounds of the group probe; returns the failing groups that no accused node explains (the
  // suspects, nodes failing in two rounds or more, are settled with cleared partners first).
  std::vector<std::vector<int>> RunCover(const std::vector<int>& alive, const std::vector<std::vector<std::vector<int>>>& rounds);
  // Clears the nodes whose every failing cover group held a suspect (the partners of the settling, when no pair
  // stage ran before: a bad node shares a failing group with every node once the cover is done).
  void ClearAroundSuspects(const std::vector<int>& alive, const std::vector<int>& suspects,
                           const std::vector<std::vector<int>>& failing);
  // The cover's blocks (`block` consecutive nodes of `alive`, as bisection/cover_design.hpp cuts them) that sat in a
  // passing cover group since `first_round`: the pairs within one of them cannot fail a narrowing test.
  KnownGood PassedBlocks(const std::vector<int>& alive, int block, std::size_t first_round) const;
  // Runs each group again without its accused nodes and one end of every accused link it holds; adds those that
  // still fail.
  void RecheckWithoutAccusedLinks(std::vector<std::vector<int>> groups, std::vector<std::vector<int>>& failing);
  // The pairs the narrowing found whose evidence since `first_round` already confirms them are accused as links (the
  // pair failed in two tests or more holding both, neither end failed without the other, each passed without the
  // other); returns the others, which ConfirmLinks tests once more (link_search.cpp).
  std::vector<FailedPair> AccuseLinksOnEvidence(const std::vector<FailedPair>& failed, std::size_t first_round,
                                                const std::string& stage);
  // Narrows each failing group to a failing pair (link_search.cpp): halves and crossed halves, all at once; parts
  // whose pairs are all `good` (passed together before) are not run. `checked_later`: every group runs again less
  // each named end at the end (residual_check.cpp), which holds every pair but the link's, so hypotheses left only
  // to look for a second link are not given a round of their own.
  void SearchGroupForLink(std::vector<std::vector<int>> groups, std::vector<FailedPair>& failed, const std::string& stage,
                          const KnownGood& good = {}, bool checked_later = false);
  // The failing groups to search at once (disjoint), taken from `groups`; groups a link or a found pair explains, or
  // that hold an accused node, are dropped.
  std::vector<std::vector<int>> DisjointBatch(std::vector<std::vector<int>>& groups,
                                              const std::vector<FailedPair>& failed) const;
  // Whether both ends of an accused link are among `members` (their failure is explained).
  bool HoldsAnAccusedLink(const std::vector<int>& members) const;

  // ---- flapping ends of the pairs a narrowing found (flapping_ends.cpp) ----
  // The ends of `pairs` that may be flapping nodes rather than links' ends: ends of pairs with two partners or more,
  // or failing (since `first_round`) in a test that holds none of their partners and no named fault.
  // Whether a failed test of `members` held a named fault that is not `node` or a link with it.
  bool ExplainedWithout(const std::vector<int>& members, int node) const;
  std::vector<int> FlappingSuspects(const std::vector<FailedPair>& pairs, std::size_t first_round) const;
  // Tests those ends with cleared partners, up to a bound: failing, each is accused as a node. Returns the pairs with
  // no suspect end; `doubtful` gets those whose suspect end passed every time (links only if they fail twice more).
  std::vector<FailedPair> SettleFlappingEnds(const std::vector<FailedPair>& failed, std::size_t first_round,
                                             const std::string& stage, std::vector<FailedPair>& doubtful);
  // Tests the pending suspects with cleared partners, a round each, up to a bound: failing once, a suspect is accused
  // as a node (links with it withdrawn); one no longer among `suspects()` leaves. `pending` keeps those that passed.
  // Under a tree: whether this failure with a cleared partner under another leaf is the suspect's first across
  // leaves (then not counted: that leaf's uplink may be slow; its nodes are partners no more).
  bool FirstFailureAcrossLeaves(int node, int partner);
  void TestWithCleared(std::vector<int>& pending, const std::string& stage,
                       const std::function<std::vector<int>()>& suspects);
  // Withdraws the links with an accused end and the accused nodes' own unresolved findings (counted as named in
  // withdrawn_links_, for the callers that compare counts of findings).
  void WithdrawWhatAccusedNodesExplain();
  // How many passes with cleared partners clear a suspect: fewer the more often it failed cover groups apart (a node
  // failing that often would have failed one of them), at most the bound.
  int FlapBudget(int node) const;
  // The nodes in failing cover groups (since `first_round`) of two rounds or more that no named fault explains.
  std::vector<int> RecurringFailures(std::size_t first_round) const;
  // Under --topology, the suspects alone among suspects in their leaf (a leaf of them is a switch's or an uplink's).
  std::vector<int> AloneInTheirLeaves(std::vector<int> suspects) const;
  // The pairs a narrowing found, as links: flapping ends settled first; the rest accused on the narrowing's evidence
  // (`on_evidence`, AccuseLinksOnEvidence) or when they fail once more. Returns the ends whose pair did not repeat.
  std::vector<int> ConfirmNarrowedPairs(const std::vector<FailedPair>& found, std::size_t first_round,
                                        const std::string& stage, bool on_evidence);

  // ---- residual checks (residual_check.cpp) ----
  // Each group the cover saw fail runs again without the named faults (each named link's ends apart); one still
  // failing is narrowed again, or left unresolved. Then withdraws the unresolved nodes whose failures are explained.
  void ExplainResiduals();
  // When the group stage's last whole test passed at a size that shows one slow pair, the nodes less the first end of
  // each named link (the second ends, left out of that test, in) join the groups checked again.
  void AddLeftOutEnds();
  // The members of the group stage's last whole test when it passed at a size that shows one slow pair.
  std::vector<char> ProvenByAWholeTest() const;
  // Group g less its accused nodes, less the first (then the second) end of every named link in it.
  std::vector<std::vector<int>> ResidualTests(const std::vector<std::vector<int>>& groups, std::size_t g,
                                              const std::vector<char>& proven) const;
  // Runs the tests in rounds of disjoint ones; `bad` says which failed; returns each test's round.
  std::vector<int> RunResidualTests(const std::vector<std::vector<int>>& tests, std::vector<char>& bad);
  // Narrows failing residual groups to pairs and confirms them; whether anything was named.
  bool NarrowResiduals(const std::vector<std::vector<int>>& failing);
  // Whether a failed trial held a named fault that is not `node`: an accused node or both ends of a named link.
  bool FailureExplained(const Trial& trial, int node) const;
  void WithdrawExplainedUnresolved();

  // ---- a fault that needs more than half the nodes (exclusion_check.cpp) ----
  // The pair x, y that the group needs passes alone: the group of every node left runs less x, then less y; when
  // exactly one of them passes, the other end is accused as a node that fails only at scale. Whether it decided.
  bool JudgeByExclusion(int x, int y, std::vector<int>& evidence);
  // The group less x, then less y, twice: the end whose absence alone makes it pass (-1: none; `both_fail` when
  // neither absence does).
  int ExcludeEach(const std::vector<int>& group, int x, int y, std::vector<int>& evidence, bool& both_fail);
  // The node of `group` without which it passes, searched by leaving parts of it out (the test kept large).
  int RemovalSearch(const std::vector<int>& group, std::vector<int>& evidence);
  // The smallest failing test of an unresolved node when all it passed were smaller (else 0).
  std::size_t FailingSizeOnly(const Finding& f) const;
  // Such nodes tested again at the size they failed at, in two companies that pass alone; failing both, accused.
  void RecheckAtScale();

  // ---- the fabric's tree (topology_stage.cpp) ----
  // Orders nodes leaf by leaf (no topology: unchanged), so that pairs and halves stay within leaves first.
  void SortByLeaf(std::vector<int>& nodes) const;
  // Last: a leaf whose nodes are mostly implicated is tested alone; its findings become one of kind switch
  // (the leaf alone fails) or uplink (it passes: only traffic leaving it is slow).
  void TopologyStage();
  // One round of pair tests; the result of each speaks for its first under_test members (-1 untested, 0, 1).
  int LeafPairRound(const std::vector<Trial>& trials, std::vector<int>& verdict);
  // Each checked node with a partner of another leaf (nothing implicating it, if possible).
  std::vector<int> OutsidePartners(const std::vector<int>& candidates, const std::vector<char>& implicated,
                                   const std::vector<char>& checked) const;
  std::vector<Trial> OutsideTrials(const std::vector<int>& candidates, const std::vector<char>& implicated,
                                   const std::vector<char>& checked) const;
  // Under each slow uplink, the nodes that fail inside their leaf with two partners: their own fault.
  std::vector<char> FaultsInsideUplinks(const std::vector<int>& uplinks, const std::vector<std::vector<int>>& under,
                                        std::vector<int>& in);
  // Each slow uplink's leaf, less its nodes at fault, every pair in a group inside it (topology_inside.cpp); failing
  // groups narrowed to their links.
  void InsideUplinks(const std::vector<int>& uplinks, const std::vector<std::vector<int>>& under,
                     const std::vector<char>& at_fault, const std::vector<int>& inside);
  // Narrows the failing groups inside uplinks' leaves to links, checks them again without them; what still fails and
  // cannot be narrowed is left unresolved.
  void NarrowInsideLeaves(std::vector<std::vector<int>> failing, std::vector<int> evidence,
                          const std::vector<int>& inside);
  // Each end of the pairs found inside a leaf with a node of the leaf that passed there: failing, it is accused (a
  // node fault inside the leaf); returns the pairs whose ends both passed.
  std::vector<FailedPair> EndsApartInside(const std::vector<FailedPair>& found, const std::vector<int>& inside);
  // Replaces the findings the leaf's switch or uplink explains by one of kind switch or uplink.
  void NameLeaf(int leaf, bool is_switch, const std::vector<int>& nodes, const std::vector<char>& implicated,
                const std::vector<char>& at_fault, const std::vector<int>& rounds);
  // Whether every failure of the finding's node had a named switch or uplink, or another accused node, in it.
  bool TopologyExplains(const std::vector<int>& members, const std::vector<char>& verdict) const;
  // Whether the node passed a test of at least `size` nodes.
  bool PassedAtSize(int node, std::size_t size) const;
  // RecheckExplained's good company: nodes in no finding, not accused, never failed, under no named leaf.
  std::vector<int> QuietCompany(const std::vector<char>& verdict) const;
  // Every failure of the finding's node explained by a named leaf, an accused node or a named link, or all but
  // failures that share other nodes (`doubt`: a possible link to one of them).
  struct LinkDoubt {
    std::vector<int> partners;  // the nodes every unexplained failure shared
    std::size_t size = 0;       // the smallest unexplained failure (0: none)
  };
  bool ExplainedByTopology(int node, const Finding& f, const std::vector<char>& verdict, LinkDoubt* doubt) const;
  void WithdrawResidualsExplainedByTopology(const std::vector<char>& verdict);
  // Removes the findings that `explained` accepts (a named leaf accounts for them): `evidence` with their rounds,
  // sorted, each once.
  std::vector<int> TakeExplained(std::vector<int> evidence, const std::function<bool(const Finding&)>& explained);
  // The uplinks alike (topology_alike.cpp): every leaf without a slow switch slow only towards the others (two such
  // leaves: any uplink verdict); left unresolved in one finding. Returns those leaves (none: not alike).
  std::vector<int> UplinksAlike(const std::vector<int>& uplinks, const std::vector<std::vector<int>>& under,
                    const std::vector<int>& inside, const std::vector<char>& switched, const std::vector<int>& rounds);
  // Leaves judged slow towards the outside, tested in pairs with each other and with nodes outside them: a leaf that
  // passes with someone is fine (its partners outside were another slow leaf's). Returns the uplinks left.
  // Nodes of the leaves alike whose pair inside failed but that passed inside with a clean partner: not accused.
  void WithdrawCleanInside(const std::vector<int>& leaves, const std::vector<std::vector<int>>& under,
                           const std::vector<int>& inside, const std::vector<char>& at_fault);
  // The nodes under no candidate leaf and no slow switch, quiet ones first (SeparateUplinks' partners outside).
  std::vector<int> NodesOutside(const std::vector<char>& candidate, const std::vector<char>& switched) const;
  // Per leaf: shown healthy towards the others by a passing test (and, into `failed`, a failing pair across).
  std::vector<char> PassedAcross(const std::vector<std::vector<int>>& under, std::vector<char>* failed,
                                 const std::vector<char>* switched) const;
  // Per candidate leaf of SeparateUplinks, the nodes that meet others for it.
  std::vector<std::vector<int>> CleanNodes(const std::vector<int>& judged, const std::vector<int>& doubt,
                                           const std::vector<std::vector<int>>& under, const std::vector<int>& inside) const;
  // A leaf in doubt named slow: its nodes implicated, those accused suspects inside it.
  void TakeLeafInDoubt(const std::vector<int>& nodes, std::vector<char>& implicated, std::vector<int>& in) const;
  // Leaves never shown healthy towards the others whose nodes failed across (SeparateUplinks' extra candidates).
  // Failing tests of more than two that held nodes just withdrawn and that nothing named explains: searched for a link.
  void SearchFailuresOfWithdrawn(const std::vector<int>& withdrawn, const std::vector<char>& under_named,
                                 const std::function<bool(const std::vector<int>&)>& topology_explains);
  // RecheckExplained's findings left without company, or failing beside each other: each once more.
  struct Retry {
    int node;
    std::size_t size;  // of the test it failed
    std::vector<int> avoid;  // a possible link's other end, never its company
  };
  // The one-node findings tested in a recheck round: those that passed withdrawn (into `withdrawn`; their count).
  std::size_t WithdrawPassed(int round, const std::vector<int>& result, std::vector<int>& withdrawn);
  void AddFailedRechecks(const std::vector<Trial>& trials, const std::vector<int>& again, std::vector<Retry>& retry) const;
  void RecheckWithPassed(const std::vector<Retry>& retry, std::vector<int>& withdrawn, const std::vector<int>& spare);
  std::vector<int> LeavesInDoubt(const std::vector<int>& uplinks, const std::vector<std::vector<int>>& under,
                                 const std::vector<char>& switched) const;
  std::vector<int> SeparateUplinks(const std::vector<int>& judged, const std::vector<std::vector<int>>& under,
                                   const std::vector<int>& inside, const std::vector<char>& switched,
                                   std::vector<int>& rounds, bool& separated);
  // The size of the smallest failing test of the finding's node.
  std::size_t SmallestFailure(const Finding& f) const;
  // Tests those findings again in good company; withdraws those that pass.
  void RecheckExplained(const std::vector<char>& verdict);
  // The failed pairs of nodes just withdrawn by RecheckExplained, neither end under a named leaf (`under_named`, per
  // node), tested twice more: a link when both fail (cleared_pairs.cpp).
  void RecheckPairsOfWithdrawn(const std::vector<int>& withdrawn, const std::vector<char>& under_named);
  // `nodes` in chunks of at most `size`, none holding both ends of a named link.
  std::vector<std::vector<int>> ChunksApart(const std::vector<int>& nodes, std::size_t size,
                                            const std::vector<std::pair<int, int>>& apart) const;

  // ---- stage 3: group (group_stage.cpp) ----
  void GroupStage();
  // Under a sensitivity below the cluster: the group probe on every node first; whether it passed (then neither the
  // matching nor the closing group test is needed: no node fails in company, nothing fails at scale).
  bool WholeGroupPassesFirst();
  // One pass of the search: split, settle single suspects, then (when nobody new was accused) narrow the
  // interactions. Returns whether it found anything (an accusation or an unresolved suspect).
  bool SearchGroup(const std::vector<int>& alive, std::size_t target);
  // Halves every failing group (padded to `target` with cleared nodes) until single suspects remain.
  void SplitFailingGroups(const std::vector<int>& alive, std::size_t target, std::vector<int>& singles,
                          std::vector<Interaction>& interactions);
  // Each pending node with cleared company, up to `target` nodes (shared fairly): never `exclude`, never the
  // company of its earlier failures (so that one bad node in company cannot fail it twice).
  TrialMaker PaddedAlone(std::size_t target, std::vector<int> exclude = {});
  // `under_test` followed by nodes of one good set (not used this round, never a suspect) up to `target`.
  Trial Padded(std::vector<int> under_test, std::size_t target, std::vector<char>& used);
  // Whether the node is an end of an accused link: never padding, which must not bring a fault along.
  bool IsLinkEnd(int node) const;
  // The nodes a group test runs on: all not accused, less one end of each accused link.
  std::vector<int> GroupMembers() const;
  static std::vector<int> Joined(std::vector<int> a, const std::vector<int>& b);
  // The group a ∪ b fails while a and b pass alone: find one node of each side that the failure needs.
  void ResolveInteraction(const std::vector<int>& a, const std::vector<int>& b, int round, std::size_t target);
  // Halves `side` (each half tested with `other`, padded) down to the one node the failure needs.
  int NarrowSide(std::vector<int> side, const std::vector<int>& other, bool side_first, std::size_t target,
                 std::vector<int>& evidence);
  // The node found by NarrowSide, settled with cleared company outside `group`; whether it was cleared.
  bool SettleEnd(int node, const std::vector<int>& evidence, std::size_t target, const std::vector<int>& group);
  // A single suspect's second failure in padded company before the cover: queued for CheckCompanies instead of
  // accused (company_check.cpp); whether it was. `earlier`: how much of its failed_company its first failure's
  // company is (the rest is this trial's).
  bool QueueCompanyCheck(int node, const std::string& stage, const Trial& trial, bool controlled,
                         std::size_t earlier);
  // The queued nodes, each with a cleared partner (failing: accused), then with thirds of both its companies
  // (CheckThirds). Returns whether one was left to the cover as a likely end of links into them.
  bool CheckCompanies();
  struct CompanyCheck {
    int node = -1;
    std::vector<int> first, second;  // the companies it failed in
  };
  // The node with a third of both its companies, up to three times: failing all, it is accused; passing one, it is
  // a likely end of links into them (returns true).
  bool CheckThirds(const CompanyCheck& check);
  // After the cover: a link suspect (it passed with thirds of its companies) that is the end of no link named
  // failed only in groups larger than the thirds, a fault at scale: it is split for again. True when any was.
  bool ReleaseLinkSuspects();
  // The pair x, y: a link when it fails twice and each end passes apart; else left unresolved.
  void JudgeCrossPair(int x, int y, std::vector<int> evidence);
  // Each end of a failing pair with a cleared partner; whether one failed (then settled as a node).
  bool EndsFailApart(int x, int y, int pair_round);

  const std::vector<std::string>& names_;
  TrialExecutor& executor_;
  BisectOptions options_;
  std::vector<NodeState> state_;
  std::vector<int> pool_;  // nodes cleared in the group stage: how much padding there is to share
  // Padding comes from one set of nodes that passed a group trial together: no bad link lies within it.
  // (Cleared nodes drawn from anywhere could bring both ends of a bad link along and fail the trial.)
  std::vector<std::vector<int>> good_sets_;
  std::size_t set_cursor_ = 0;
  std::size_t partner_cursor_ = 0;
  bool final_group_passed_ = false;
  struct {
    std::vector<int> members;
    int round = -1;
  } early_whole_;  // WholeGroupPassesFirst's test when it did not pass: the group stage's first, if nobody changed
  bool cover_ran_ = false;  // the cover stage ran: the group stage does not fall back on it again
  std::vector<CompanyCheck> company_checks_;  // QueueCompanyCheck's, for CheckCompanies
  std::size_t cover_first_round_ = 0;  // the cover's first round: a flapping node's failures count from it
  long withdrawn_links_ = 0;  // findings withdrawn once a node was accused (WithdrawWhatAccusedNodesExplain)
  bool every_pair_met_ = false;  // the pair stage tested every pair (its circle method), not a matching
  std::vector<std::vector<int>> failing_groups_;  // the cover's failing groups, checked again at the end
  std::optional<double> peer_reference_;  // the first node round's median value
  std::string peer_metric_;
  bool stopped_ = false;  // a stage found that no trial can be trusted: the later ones do not run
  BisectResult result_;
};

}  // namespace kiln

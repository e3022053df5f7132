// `kiln predict`: early warning from a fleet's metric history (docs/predict.md). Reads a replay, writes
// DIR/alerts.jsonl, DIR/predict.txt and DIR/predict.html, and with --labels scores the alerts (DIR/score.json).

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>

#include "apps/command.hpp"
#include "core/errors.hpp"
#include "core/files.hpp"
#include "predict/predict_report.hpp"
#include "predict/predictor.hpp"
#include "predict/replay.hpp"
#include "predict/scoring.hpp"

namespace kiln {
namespace {

struct PredictArgs {
  std::string replay;
  std::string out;
  std::string labels;
};

std::vector<predict::Failure> LoadFailures(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(path, 0, fmt::format("cannot open the labels: {}", std::strerror(errno)));
  return predict::ReadFailures(in, path);
}

int Predict(const PredictArgs& args) {
  RequireOutFolder(args.out);
  predict::Replay replay = predict::ReadReplay(args.replay);
  if (replay.samples().empty()) {  // an empty fleet predicts nothing: a wrong file or a wrong export, not "all well"
    throw InputError(args.replay, 0,
                     fmt::format("no sample of a metric kiln predict reads ({} lines of other metrics or NaN); "
                                 "docs/predict.md lists the metrics",
                                 replay.lines_ignored()));
  }
  std::vector<predict::Failure> failures;
  if (!args.labels.empty()) failures = LoadFailures(args.labels);  // bad labels fail before any work
  std::vector<predict::Alert> alerts = predict::Predict(replay);

  MakeDirectories(args.out);
  std::string lines;
  for (const predict::Alert& alert : alerts) lines += predict::AlertToJson(alert).dump() + "\n";
  WriteFileAtomically(args.out + "/alerts.jsonl", lines);

  std::set<std::string> nodes;
  for (const predict::SeriesKey& key : replay.series()) nodes.insert(key.node);
  predict::ReplaySummary summary{args.replay, replay.samples().size(), replay.series().size(), nodes.size(),
                                 replay.lines_ignored()};
  predict::Score score;
  const predict::Score* scored = nullptr;
  if (!args.labels.empty()) {
    score = predict::ScoreAlerts(alerts, failures);
    scored = &score;
    WriteFileAtomically(args.out + "/score.json", predict::ScoreToJson(score).dump(2) + "\n");
  }
  WriteFileAtomically(args.out + "/predict.txt", predict::RenderPredictText(summary, alerts, scored));
  WriteFileAtomically(args.out + "/predict.html",
                      predict::RenderPredictHtml(summary, alerts, scored, predict::CollectEvidence(replay, alerts)));
  fmt::print("kiln predict: {} samples on {} nodes, {} alerts -> {}/alerts.jsonl\n", summary.samples, summary.nodes,
             alerts.size(), args.out);
  if (scored) fmt::print("kiln predict: {}\n", predict::RenderScoreLine(score));
  return kExitPassed;
}

}  // namespace

Command AddPredictCommand(CLI::App& app) {
  auto args = std::make_shared<PredictArgs>();
  CLI::App* command = app.add_subcommand("predict", "early warning: node failures ahead, from a fleet's metrics");
  command->add_option("--replay", args->replay, "samples, JSON Lines (docs/predict.md)")->required();
  command->add_option("--out", args->out, "folder for alerts.jsonl, predict.txt/html, score.json")->required();
  command->add_option("--labels", args->labels, "failures, JSON Lines {t, node, kind}: score the alerts");
  return {command, [args] { return Predict(*args); }};
}

}  // namespace kiln

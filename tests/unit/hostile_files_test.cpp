// Hostile inputs of issue 25 against Kiln's own files: planted links and FIFOs, concurrent writers, edited
// checkpoints and chains. One test per bug, named after it; each failed before its fix.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "core/file_lock.hpp"
#include "core/files.hpp"
#include "reports/chain.hpp"
#include "reports/report.hpp"
#include "reports/report_bundle.hpp"
#include "reports/signing.hpp"
#include "runners/burnin_log.hpp"
#include "tests/support/report_chain.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

bool IsLink(const std::string& path) { return fs::is_symlink(fs::symlink_status(path)); }

template <typename F>
std::string InputErrorText(F&& action) {
  try {
    action();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no InputError)";
}

TEST(HostileFiles, Bug01_PlantedTempSymlinkIsNotFollowed) {
  testing::TempDir dir;
  std::string victim = dir.Write("victim", "precious\n");
  std::string path = (dir.path() / "out/report.json").string();
  fs::create_directories(dir.path() / "out");
  // The name the old writer used, and a few around it: none may be opened.
  for (int pid : {::getpid(), ::getpid() + 1}) {
    ASSERT_EQ(::symlink(victim.c_str(), fmt::format("{}.tmp.{}", path, pid).c_str()), 0);
  }
  WriteFileAtomically(path, "new\n");
  EXPECT_EQ(ReadFile(victim), "precious\n");
  EXPECT_FALSE(IsLink(path));
  EXPECT_EQ(ReadFile(path), "new\n");
  // Nothing of the write is left beside the file but the planted links.
  int entries = 0;
  for (const auto& entry : fs::directory_iterator(dir.path() / "out")) entries += entry.path().string() != path;
  EXPECT_EQ(entries, 2);
}

TEST(HostileFiles, Bug01_KeygenCreatesThePrivateKeyExclusivelyAndPrivate) {
  ASSERT_GE(sodium_init(), 0);
  testing::TempDir dir;
  std::string victim = dir.Write("victim", "");
  std::string keys = (dir.path() / "keys").string();
  fs::create_directories(keys);
  ASSERT_EQ(::symlink(victim.c_str(), fmt::format("{}/kiln.key.tmp.{}", keys, ::getpid()).c_str()), 0);
  WriteKeyPair(keys);
  EXPECT_EQ(ReadFile(victim), "");  // the secret key went nowhere else
  struct stat info {};
  ASSERT_EQ(::lstat((keys + "/kiln.key").c_str(), &info), 0);
  EXPECT_TRUE(S_ISREG(info.st_mode));
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  // A dangling link planted at the key's name is refused, and nothing is created where it points.
  std::string other = (dir.path() / "other").string();
  fs::create_directories(other);
  std::string elsewhere = (dir.path() / "stolen.key").string();
  ASSERT_EQ(::symlink(elsewhere.c_str(), (other + "/kiln.key").c_str()), 0);
  EXPECT_THROW(WriteKeyPair(other), RunError);
  EXPECT_FALSE(fs::exists(elsewhere));
}

TEST(HostileFiles, Bug05_OutputOntoALinkOrFifoIsWrittenThroughNeverReplaced) {
  testing::TempDir dir;
  std::string target = dir.Write("target.txt", "old\n");
  std::string link = (dir.path() / "link.txt").string();
  ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0);
  WriteOutputFile(link, "through the link\n");
  EXPECT_TRUE(IsLink(link));
  EXPECT_EQ(ReadFile(target), "through the link\n");

  std::string fifo = (dir.path() / "fifo").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto reader = std::async(std::launch::async, [&] { return ReadFile(fifo); });
  WriteOutputFile(fifo, "through the fifo\n");
  EXPECT_EQ(reader.get(), "through the fifo\n");
  struct stat info {};
  ASSERT_EQ(::lstat(fifo.c_str(), &info), 0);
  EXPECT_TRUE(S_ISFIFO(info.st_mode));

  WriteOutputFile("/dev/null", "discarded\n");  // a device is written into, never replaced
  ASSERT_EQ(::lstat("/dev/null", &info), 0);
  EXPECT_TRUE(S_ISCHR(info.st_mode));

  std::string dangling = (dir.path() / "dangling").string();
  ASSERT_EQ(::symlink((dir.path() / "nowhere").c_str(), dangling.c_str()), 0);
  EXPECT_THROW(WriteOutputFile(dangling, "x"), InputError);
  EXPECT_FALSE(fs::exists(dir.path() / "nowhere"));
}

TEST(HostileFiles, Bug06_AnOutputThatIsItsOwnInputIsRefusedByInode) {
  testing::TempDir dir;
  std::string input = dir.Write("report.json", "{}");
  std::string hard = (dir.path() / "alias.json").string();
  std::string soft = (dir.path() / "soft.json").string();
  ASSERT_EQ(::link(input.c_str(), hard.c_str()), 0);
  ASSERT_EQ(::symlink(input.c_str(), soft.c_str()), 0);
  for (const std::string& output : {input, hard, soft, (dir.path() / "./report.json").string()}) {
    std::string text = InputErrorText([&] { RefuseOverwritingInput(output, {"/dev/null", input}, "-o"); });
    EXPECT_NE(text.find("is the input"), std::string::npos) << output << ": " << text;
  }
  EXPECT_NO_THROW(RefuseOverwritingInput(dir.Write("other.json", "{}"), {input}, "-o"));
  EXPECT_NO_THROW(RefuseOverwritingInput((dir.path() / "new.json").string(), {input}, "-o"));
}

TEST(HostileFiles, Bug07_ASecondRunIntoTheSameOutIsRefusedNamingTheHolder) {
  testing::TempDir dir;
  std::string out = (dir.path() / "out").string();
  {
    auto first = ClaimOutFolder(out, false);
    std::string text = InputErrorText([&] { auto second = ClaimOutFolder(out, false); });
    EXPECT_NE(text.find(fmt::format("pid {}", ::getpid())), std::string::npos) << text;
    EXPECT_NE(text.find("in use by another kiln run"), std::string::npos) << text;
    EXPECT_NE(InputErrorText([&] { auto resumed = ClaimOutFolder(out, false, true); }), "(no InputError)");
  }
  auto after = ClaimOutFolder(out, false);  // released when the first run ended
  SUCCEED();
}

TEST(HostileFiles, Bug08_ConcurrentSignedChainAppendsKeepTheChainWhole) {
  ASSERT_GE(sodium_init(), 0);
  testing::TempDir dir;
  KeyPair keys = GenerateKeyPair();
  std::string chain = (dir.path() / "chain").string();
  constexpr int kWriters = 6;
  std::vector<std::thread> writers;
  for (int i = 0; i < kWriters; ++i) fs::create_directories(dir.path() / fmt::format("out{}", i));
  fs::create_directories(dir.path() / "late");
  for (int i = 0; i < kWriters; ++i) {
    writers.emplace_back([&, i] {
      RunRecord r;
      r.cluster = "c1";
      r.finished = fmt::format("2026-12-0{}T00:00:00Z", i + 1);
      WriteReportBundle(BuildReport(r), {(dir.path() / fmt::format("out{}", i)).string(), keys, chain});
    });
  }
  for (std::thread& t : writers) t.join();
  ChainCheck check = VerifyChain(chain, keys);
  EXPECT_TRUE(check.ok) << check.problem;
  EXPECT_EQ(check.reports, kWriters);

  // While someone holds the chain, an append waits for it instead of linking to a report about to be superseded.
  FileLock held = LockChain(chain);
  auto waiting = std::async(std::launch::async, [&] {
    RunRecord r;
    r.cluster = "c1";
    WriteReportBundle(BuildReport(r), {(dir.path() / "late").string(), keys, chain});
  });
  EXPECT_EQ(waiting.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout);
  held = FileLock();
  waiting.get();
  EXPECT_EQ(VerifyChain(chain, keys).reports, kWriters + 1);
}

class HostileBurnIn : public ::testing::Test {
 protected:
  void SetUp() override { out_ = (dir_.path() / "out").string(); }
  BurnInSettings Settings(std::vector<std::string> nodes = {"n1", "n2"}) const {
    return {"run-1", UtcNow(), "suite-sha", "baseline-sha", 3600, std::move(nodes)};
  }
  std::string Journal() const { return out_ + "/burnin/iterations.jsonl"; }
  // A burn-in with `iterations` iterations of `seconds` each on disk.
  void Start(int iterations, double seconds = 1) {
    BurnInLog log = BurnInLog::Open(out_, Settings(), false);
    for (int i = 1; i <= iterations; ++i) log.Append(seconds * i, {}, {});
  }
  void EditLine(int index, const std::function<void(json&)>& edit) {
    std::vector<std::string> lines;
    std::ifstream in(Journal());
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    json line = json::parse(lines.at(static_cast<std::size_t>(index)));
    edit(line);
    lines[static_cast<std::size_t>(index)] = line.dump();
    std::ofstream outfile(Journal(), std::ios::trunc);
    for (const std::string& l : lines) outfile << l << "\n";
  }
  std::string ResumeError(std::vector<std::string> nodes = {"n1", "n2"}) {
    return InputErrorText([&] { BurnInLog::Open(out_, Settings(std::move(nodes)), true); });
  }
  testing::TempDir dir_;
  std::string out_;
};

TEST_F(HostileBurnIn, Bug09_ABurnInFolderThatIsASymlinkIsRefused) {
  fs::create_directories(dir_.path() / "elsewhere");
  fs::create_directories(out_);
  ASSERT_EQ(::symlink((dir_.path() / "elsewhere").c_str(), (out_ + "/burnin").c_str()), 0);
  EXPECT_NE(InputErrorText([&] { BurnInLog::Open(out_, Settings(), false); }).find("symbolic link"), std::string::npos);
  EXPECT_TRUE(fs::is_empty(dir_.path() / "elsewhere"));
  EXPECT_NE(ResumeError().find("symbolic link"), std::string::npos);
}

TEST_F(HostileBurnIn, Bug09_APlantedIterationsLinkIsNeverFollowedNorTruncated) {
  Start(1);
  std::string victim = dir_.Write("victim.jsonl", "precious\n{torn");
  fs::remove(Journal());
  ASSERT_EQ(::symlink(victim.c_str(), Journal().c_str()), 0);
  EXPECT_NE(ResumeError().find("symbolic link"), std::string::npos);
  EXPECT_EQ(ReadFile(victim), "precious\n{torn");
}

TEST_F(HostileBurnIn, Bug19_MalformedCheckpointLinesNameFileAndLine) {
  Start(2);
  EditLine(1, [](json& l) { l.erase("values"); });
  EXPECT_NE(ResumeError().find(Journal() + ":2: not a burn-in iteration: no 'values'"), std::string::npos) << ResumeError();
  EditLine(1, [](json& l) { l["values"] = json::object({{"a@n1", "fast"}}); });
  EXPECT_NE(ResumeError().find(Journal() + ":2:"), std::string::npos) << ResumeError();
  EditLine(1, [](json& l) { l["values"] = json::object(); l["failures"] = json::array({json{{"x", 1}}}); });
  EXPECT_NE(ResumeError().find(Journal() + ":2:"), std::string::npos) << ResumeError();
  EditLine(1, [](json& l) { l["failures"] = json::array(); l["iteration"] = "2"; });
  EXPECT_NE(ResumeError().find(Journal() + ":2:"), std::string::npos) << ResumeError();
}

TEST_F(HostileBurnIn, Bug19_BadSettingsAndEndlessDurationsAreRefused) {
  EXPECT_NE(InputErrorText([&] {
              BurnInSettings s = Settings();
              s.duration_s = 1e308;
              BurnInLog::Open(out_, s, false);
            }).find("at most a year"),
            std::string::npos);
  Start(1);
  std::string settings = out_ + "/burnin/settings.json";
  json stored = json::parse(ReadFile(settings));
  for (const json& bad : {json(1e308), json("3600"), json(-1)}) {
    json edited = stored;
    edited["duration_s"] = bad;
    std::ofstream(settings, std::ios::trunc) << edited.dump();
    EXPECT_NE(ResumeError().find(settings), std::string::npos) << bad << ": " << ResumeError();
  }
  json no_id = stored;
  no_id.erase("run_id");
  std::ofstream(settings, std::ios::trunc) << no_id.dump();
  EXPECT_NE(ResumeError().find(settings), std::string::npos) << ResumeError();
  json bad_resumes = stored;
  bad_resumes["resumes"] = "many";
  std::ofstream(settings, std::ios::trunc) << bad_resumes.dump();
  EXPECT_NE(ResumeError().find(settings), std::string::npos) << ResumeError();
}

TEST_F(HostileBurnIn, Bug19_ALineOfAnotherBurnInIsRefused) {
  Start(2);
  EditLine(1, [](json& l) { l["run_id"] = "run-of-another-burn-in"; });
  EXPECT_NE(ResumeError().find(Journal() + ":2: a line of another burn-in"), std::string::npos) << ResumeError();
}

TEST_F(HostileBurnIn, Bug19_ATamperedElapsedTimeCannotCompleteTheBurnIn) {
  Start(1);
  EditLine(0, [](json& l) { l["elapsed_s"] = 3600; });  // the hour, in a second of wall-clock time
  EXPECT_NE(ResumeError().find(Journal() + ":1: elapsed_s 3600 does not fit"), std::string::npos) << ResumeError();
  EditLine(0, [](json& l) { l["elapsed_s"] = 1.0; });
  BurnInLog log = BurnInLog::Open(out_, Settings(), true);  // the honest line resumes
  EXPECT_FALSE(log.Section("")["completed"].get<bool>());
}

TEST_F(HostileBurnIn, Issue24_ResumeOnAnotherNodeSetIsRefusedNamingTheDifference) {
  Start(1);
  std::string text = ResumeError({"n1", "n3", "n4"});
  EXPECT_NE(text.find("nodes missing: n2; nodes added: n3, n4"), std::string::npos) << text;
  EXPECT_NE(ResumeError({"n1"}).find("nodes missing: n2"), std::string::npos);
  EXPECT_EQ(ResumeError({"n2", "n1"}), "(no InputError)");  // the same set in another order resumes
}

TEST(HostileFiles, Bug24_AKilledRunsFolderNeedsForce) {
  testing::TempDir dir;
  std::string out = (dir.path() / "out").string();
  dir.Write("out/journal/node1.jsonl", "{}\n");  // a killed run: a journal, no report.json
  std::string text = InputErrorText([&] { auto claim = ClaimOutFolder(out, false); });
  EXPECT_NE(text.find("journal"), std::string::npos) << text;
  EXPECT_NE(text.find("--force"), std::string::npos) << text;
  OutFolderClaim forced = ClaimOutFolder(out, true);
  EXPECT_TRUE(fs::exists(fs::path(forced.aside) / "journal/node1.jsonl"));
  EXPECT_FALSE(fs::exists(dir.path() / "out/journal"));
}

class HostileChain : public testing::ReportChain {};

TEST_F(HostileChain, Bug25_APlantedHugeNumberNeverLeadsToAnOverwrite) {
  Add("a");
  std::ofstream(dir_ + "/999999-c1.json") << "{}";
  Add("b");
  Add("c");
  EXPECT_TRUE(fs::exists(dir_ + "/1000000-c1.json"));
  EXPECT_TRUE(fs::exists(dir_ + "/1000001-c1.json"));  // a new number, not 1000000 written again
  ChainCheck check = VerifyChain(dir_, keys_);
  EXPECT_FALSE(check.ok);
  EXPECT_NE(check.problem.find("000002 is missing"), std::string::npos) << check.problem;
}

TEST_F(HostileChain, Bug25_AForkIsReportedAsAFork) {
  Add("a");
  Add("b");
  fs::copy_file(dir_ + "/000002-c1.json", dir_ + "/000002-c2.json");
  fs::copy_file(dir_ + "/000002-c1.json.minisig", dir_ + "/000002-c2.json.minisig");
  ChainCheck check = VerifyChain(dir_, keys_);
  EXPECT_FALSE(check.ok);
  EXPECT_NE(check.problem.find("fork: two reports are numbered 000002"), std::string::npos) << check.problem;
}

TEST_F(HostileChain, Bug25_ADeletedNewestReportIsSeenAgainstTheRecordedHead) {
  Add("a");
  Add("b");
  std::string recorded = Sha256Hex(ReadFile(dir_ + "/000002-c1.json"));
  ChainCheck whole = VerifyChain(dir_, keys_, recorded);
  EXPECT_TRUE(whole.ok) << whole.problem;
  EXPECT_NE(whole.head.find("000002-c1.json (sha256 " + recorded + ")"), std::string::npos) << whole.head;
  Add("c");
  EXPECT_TRUE(VerifyChain(dir_, keys_, recorded).ok);  // a recorded head that is no longer the newest still holds
  fs::remove(dir_ + "/000003-c1.json");
  fs::remove(dir_ + "/000003-c1.json.minisig");
  fs::remove(dir_ + "/000002-c1.json");
  fs::remove(dir_ + "/000002-c1.json.minisig");
  EXPECT_TRUE(VerifyChain(dir_, keys_).ok);  // the limit docs/security.md states: alone, the shorter chain holds
  ChainCheck cut = VerifyChain(dir_, keys_, recorded);
  EXPECT_FALSE(cut.ok);
  EXPECT_NE(cut.problem.find("the recorded head " + recorded + " is not in the chain"), std::string::npos)
      << cut.problem;
}

TEST(HostileFiles, Bug29_AFifoAsSecretKeyIsRefusedAtOnce) {
  testing::TempDir dir;
  std::string fifo = (dir.path() / "kiln.key").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto loading = std::async(std::launch::async, [&] { return InputErrorText([&] { LoadSecretKey(fifo); }); });
  if (loading.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
    int unblock = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);  // let the hung open return, then fail
    loading.wait();
    ::close(unblock);
    FAIL() << "LoadSecretKey blocked on a FIFO";
  }
  EXPECT_NE(loading.get().find("not a regular file"), std::string::npos);
  auto public_key = std::async(std::launch::async, [&] { return InputErrorText([&] { LoadPublicKey(fifo); }); });
  ASSERT_EQ(public_key.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  EXPECT_NE(public_key.get().find("not a regular file"), std::string::npos);
}

}  // namespace
}  // namespace kiln

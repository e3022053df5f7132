// What `kiln watch --out DIR` writes there (docs/security.md): samples.jsonl and kiln-watch.prom and nothing else,
// mode 0644 less the umask; a link planted at either name is never written through, a FIFO never waited on.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "core/files.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

testing::CommandResult Watch(const testing::TempDir& dir, const std::string& out) {
  dir.Write("sys/class/infiniband/mlx5_0/ports/1/counters/symbol_error", "5\n");
  return testing::RunCommand({testing::KilnBinary(), "watch", "--out", out, "--interval", "10ms", "--count", "2"}, 120,
                             {"KILN_SYSFS_ROOT=" + (dir.path() / "sys").string(),
                              "KILN_NVML_LIBRARY=libnvidia-ml-absent.so"});
}

std::set<std::string> Entries(const std::string& folder) {
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) names.insert(entry.path().filename().string());
  return names;
}

mode_t ModeOf(const std::string& path) {
  struct stat info {};
  EXPECT_EQ(::lstat(path.c_str(), &info), 0) << path;
  return info.st_mode & 07777;
}

TEST(WatchOutCli, WritesTwoFilesReadableByAllLessTheUmaskAndNothingElse) {
  testing::TempDir dir;
  std::string out = (dir.path() / "watch").string();
  auto r = Watch(dir, out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(Entries(out), (std::set<std::string>{"samples.jsonl", "kiln-watch.prom"}));
  mode_t mask = ::umask(0);
  ::umask(mask);
  EXPECT_EQ(ModeOf(out + "/samples.jsonl"), 0644 & ~mask);
  EXPECT_EQ(ModeOf(out + "/kiln-watch.prom"), 0644 & ~mask);
}

TEST(WatchOutCli, ALinkPlantedAtTheTextfileIsReplacedNeverWrittenThrough) {
  testing::TempDir dir;
  std::string out = (dir.path() / "watch").string();
  std::filesystem::create_directories(out);
  dir.Write("victim", "keep\n");
  std::filesystem::create_symlink(dir.path() / "victim", out + "/kiln-watch.prom");
  auto r = Watch(dir, out);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(ReadFile((dir.path() / "victim").string()), "keep\n");
  EXPECT_FALSE(std::filesystem::is_symlink(out + "/kiln-watch.prom"));
  EXPECT_NE(ReadFile(out + "/kiln-watch.prom").find("symbol_error"), std::string::npos);
}

TEST(WatchOutCli, ALinkOrFifoPlantedAtTheSamplesIsRefusedAndTheCollectorGoesOn) {
  for (bool fifo : {false, true}) {
    testing::TempDir dir;
    std::string out = (dir.path() / "watch").string();
    std::filesystem::create_directories(out);
    dir.Write("victim", "keep\n");
    if (fifo) {
      ASSERT_EQ(::mkfifo((out + "/samples.jsonl").c_str(), 0644), 0);  // no reader: a blocking open would hang
    } else {
      std::filesystem::create_symlink(dir.path() / "victim", out + "/samples.jsonl");
    }
    auto r = Watch(dir, out);
    EXPECT_EQ(r.exit_code, 3) << r.output;  // said, retried at each reading, exit 3 at the end
    EXPECT_NE(r.output.find(out + "/samples.jsonl"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("2 readings"), std::string::npos) << r.output;
    EXPECT_EQ(ReadFile((dir.path() / "victim").string()), "keep\n");
    EXPECT_EQ(std::filesystem::is_fifo(out + "/samples.jsonl"), fifo);
  }
}

}  // namespace
}  // namespace kiln

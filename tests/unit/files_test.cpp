// File helpers against hostile names and planted links.

#include "core/files.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include "core/errors.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

TEST(SafeFileName, KeepsPlainNamesAndEncodesEverythingElse) {
  EXPECT_EQ(SafeFileName("node-01.rack_3"), "node-01.rack_3");
  EXPECT_EQ(SafeFileName("../../../../tmp/x"), "%2E.%2F..%2F..%2F..%2Ftmp%2Fx");
  EXPECT_EQ(SafeFileName("a/b"), "a%2Fb");
  EXPECT_EQ(SafeFileName(".."), "%2E.");
  EXPECT_EQ(SafeFileName("\x1b[31mred"), "%1B%5B31mred");
  EXPECT_EQ(SafeFileName(""), "%");
  std::string longest = SafeFileName(std::string(300, 'n'));
  EXPECT_EQ(longest.size(), 200u);
  EXPECT_NE(longest, SafeFileName(std::string(301, 'n')));  // the hash keeps long names apart
  // Distinct names stay distinct, and no result can leave its folder.
  std::set<std::string> names;
  for (const char* name : {"a%2Fb", "a/b", "a.b", "a-b", "a b", "%", "", ".a", "%2Ea"}) {
    std::string safe = SafeFileName(name);
    EXPECT_TRUE(names.insert(safe).second) << name << " -> " << safe;
    EXPECT_EQ(safe.find('/'), std::string::npos);
    EXPECT_NE(safe.front(), '.');
  }
}

TEST(ReadFile, RefusesAFileOverItsLimit) {
  testing::TempDir dir;
  std::string path = dir.Write("big", std::string(100, 'x'));
  EXPECT_EQ(ReadFile(path, 100).size(), 100u);
  try {
    ReadFile(path, 99);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos);
  }
}

TEST(AppendLineDurably, NeverFollowsAPlantedLink) {
  testing::TempDir dir;
  std::string target = dir.Write("elsewhere.txt", "untouched\n");
  std::string link = (dir.path() / "node.jsonl").string();
  ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0);
  EXPECT_THROW(AppendLineDurably(link, "{}"), RunError);
  EXPECT_EQ(ReadFile(target), "untouched\n");
  std::string plain = (dir.path() / "plain.jsonl").string();
  AppendLineDurably(plain, "one", false);
  AppendLineDurably(plain, "two");
  EXPECT_EQ(ReadFile(plain), "one\ntwo\n");
}

}  // namespace
}  // namespace kiln

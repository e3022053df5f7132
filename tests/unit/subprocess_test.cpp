// What an error message quotes of a failed program's output.

#include <gtest/gtest.h>

#include <chrono>

#include "core/subprocess.hpp"

namespace kiln {
namespace {

TEST(LastLinesOf, QuotesTheLastLinesOnOneLine) {
  EXPECT_EQ(LastLinesOf("start\nrank 1 died\nsegmentation fault\n\n", 2), "rank 1 died segmentation fault");
  EXPECT_EQ(LastLinesOf("start\nIt failed  \n", 1), "It failed");
  EXPECT_EQ(LastLinesOf("only line", 3), "only line");
  EXPECT_EQ(LastLinesOf("a\nb\nc", 5), "a b c");
  EXPECT_EQ(LastLinesOf("\n \n", 2), "");
  EXPECT_EQ(LastLinesOf("", 1), "");
}

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// Like srun: the first SIGINT only reports, the second ends it after its own cleanup.
constexpr const char* kSrunLike =
    "n=0; trap 'n=$((n+1)); if [ $n -ge 2 ]; then echo cleaned up; exit 130; fi; echo status' INT; "
    "echo started; while :; do sleep 0.05; done";

TEST(Subprocess, AProcessPastItsDeadlineIsInterruptedTwiceBeforeItIsKilled) {
  Subprocess job({"sh", "-c", kSrunLike});
  ASSERT_TRUE(job.WaitForOutput("started", milliseconds(5000)));
  job.InterruptFirst(milliseconds(5000));
  ProcessResult r = job.Wait(steady_clock::now() + milliseconds(100));
  EXPECT_TRUE(r.timed_out);
  EXPECT_FALSE(r.killed) << r.output;
  EXPECT_NE(r.output.find("cleaned up"), std::string::npos) << r.output;
  EXPECT_LT(r.seconds, 4.0);
}

TEST(Subprocess, OneThatIgnoresTheInterruptIsKilledWhenTheGraceEnds) {
  Subprocess job({"sh", "-c", "trap '' INT; echo started; while :; do sleep 0.05; done"});
  ASSERT_TRUE(job.WaitForOutput("started", milliseconds(5000)));
  job.InterruptFirst(milliseconds(600));
  ProcessResult r = job.Wait(steady_clock::now() + milliseconds(100));
  EXPECT_TRUE(r.timed_out);
  EXPECT_TRUE(r.killed);
  EXPECT_GE(r.seconds, 0.6);
  EXPECT_EQ(r.exit_code, -1);
}

TEST(Subprocess, WithoutInterruptFirstItIsKilledAtOnce) {
  Subprocess job({"sh", "-c", kSrunLike});
  ASSERT_TRUE(job.WaitForOutput("started", milliseconds(5000)));
  ProcessResult r = job.Wait(steady_clock::now() + milliseconds(100));
  EXPECT_TRUE(r.killed);
  EXPECT_EQ(r.output.find("cleaned up"), std::string::npos) << r.output;
}

TEST(Subprocess, AProcessThatEndsInTimeIsNeitherInterruptedNorKilled) {
  Subprocess job({"sh", "-c", "echo done; exit 3"});
  job.InterruptFirst(milliseconds(5000));
  ProcessResult r = job.Wait(steady_clock::now() + std::chrono::seconds(30));
  EXPECT_FALSE(r.timed_out);
  EXPECT_FALSE(r.killed);
  EXPECT_EQ(r.exit_code, 3);
}

}  // namespace
}  // namespace kiln

// What an error message quotes of a failed program's output.

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace kiln

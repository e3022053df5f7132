#include "core/units.hpp"

#include <gtest/gtest.h>

namespace kiln {
namespace {

TEST(ParseBytes, AcceptsBinaryAndDecimalUnits) {
  EXPECT_EQ(ParseBytes("4096"), 4096u);
  EXPECT_EQ(ParseBytes("8B"), 8u);
  EXPECT_EQ(ParseBytes("64KiB"), 65536u);
  EXPECT_EQ(ParseBytes("256MiB"), 268435456u);
  EXPECT_EQ(ParseBytes("1.5GiB"), 1610612736u);
  EXPECT_EQ(ParseBytes("2KB"), 2000u);
  EXPECT_EQ(ParseBytes(" 1 MiB "), 1048576u);
}

TEST(ParseBytes, RejectsNegativeMalformedAndFractionalBytes) {
  EXPECT_FALSE(ParseBytes("-1"));
  EXPECT_FALSE(ParseBytes("-8MiB"));
  EXPECT_FALSE(ParseBytes("12XB"));
  EXPECT_FALSE(ParseBytes(""));
  EXPECT_FALSE(ParseBytes("MiB"));
  EXPECT_FALSE(ParseBytes("1.3B"));
  EXPECT_FALSE(ParseBytes("99999999999TiB"));
}

TEST(ParseByteList, ExpandsRangesInPowersOfTwo) {
  auto sizes = ParseByteList("8B..64B");
  ASSERT_TRUE(sizes);
  EXPECT_EQ(*sizes, (std::vector<std::uint64_t>{8, 16, 32, 64}));
  EXPECT_EQ(ParseByteList("8B..256MiB")->size(), 26u);
  EXPECT_EQ(*ParseByteList("1KiB,4MiB"), (std::vector<std::uint64_t>{1024, 4194304}));
}

TEST(ParseByteList, RejectsEmptyReversedAndZero) {
  EXPECT_FALSE(ParseByteList(""));
  EXPECT_FALSE(ParseByteList("64B..8B"));
  EXPECT_FALSE(ParseByteList("0..8B"));
  EXPECT_FALSE(ParseByteList("8B,,16B"));
  EXPECT_FALSE(ParseByteList("8B,-16B"));
}

TEST(ParseDuration, ReadsEveryUnit) {
  EXPECT_DOUBLE_EQ(ParseDuration("500ms")->count(), 0.5);
  EXPECT_DOUBLE_EQ(ParseDuration("30s")->count(), 30);
  EXPECT_DOUBLE_EQ(ParseDuration("5m")->count(), 300);
  EXPECT_DOUBLE_EQ(ParseDuration("48h")->count(), 172800);
  EXPECT_DOUBLE_EQ(ParseDuration("1d")->count(), 86400);
  EXPECT_DOUBLE_EQ(ParseDuration("90")->count(), 90);
  EXPECT_FALSE(ParseDuration("-5s"));
  EXPECT_FALSE(ParseDuration("5 weeks"));
  EXPECT_DOUBLE_EQ(ParseDuration("365d")->count(), 365 * 86400);
  EXPECT_FALSE(ParseDuration("2562048h"));  // would overflow the steady clock it is added to
  EXPECT_FALSE(ParseDuration("1e300s"));
}

TEST(FormatBytes, RoundTripsThroughParseBytes) {
  for (std::uint64_t size : {8ull, 1000ull, 1024ull, 268435456ull, 3ull << 30}) {
    EXPECT_EQ(ParseBytes(FormatBytes(size)), size) << FormatBytes(size);
  }
  EXPECT_EQ(FormatBytes(268435456), "256MiB");
  EXPECT_EQ(FormatBytes(1000), "1000B");
}

TEST(GigabytesPerSecond, CountsDecimalGigabytes) { EXPECT_DOUBLE_EQ(GigabytesPerSecond(2e9, 0.5), 4.0); }

}  // namespace
}  // namespace kiln

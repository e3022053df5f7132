#include "core/parameters.hpp"

#include <gtest/gtest.h>

#include "core/errors.hpp"

namespace kiln {
namespace {

std::vector<ParamSpec> Specs() {
  return {
      {"sizes", ParamType::kByteList, "8B..64B", ""},
      {"passes", ParamType::kInt, "10", ""},
      {"timeout", ParamType::kDuration, "5s", ""},
      {"strict", ParamType::kBool, "false", ""},
      {"array_size", ParamType::kBytes, "0", ""},
  };
}

TEST(Parameters, TakesDefaultsAndGivenValues) {
  Parameters p = Parameters::Parse(Specs(), {{"passes", "3"}, {"array_size", "1GiB"}}, "suite.xml:4");
  EXPECT_EQ(p.Int("passes"), 3);
  EXPECT_EQ(p.Bytes("array_size"), 1u << 30);
  EXPECT_EQ(p.ByteList("sizes").size(), 4u);
  EXPECT_DOUBLE_EQ(p.Duration("timeout").count(), 5);
  EXPECT_FALSE(p.Bool("strict"));
  EXPECT_EQ(p.Text().at("passes"), "3");
}

TEST(Parameters, RejectsUnknownParameterNamingWhere) {
  try {
    Parameters::Parse(Specs(), {{"pases", "3"}}, "suite.xml:4");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("suite.xml:4"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("unknown parameter 'pases'"), std::string::npos);
    EXPECT_EQ(e.exit_code(), kExitBadInput);
  }
}

TEST(Parameters, RejectsNegativeAndMalformedValues) {
  EXPECT_THROW(Parameters::Parse(Specs(), {{"passes", "-1"}}, "x"), InputError);
  EXPECT_THROW(Parameters::Parse(Specs(), {{"array_size", "-4MiB"}}, "x"), InputError);
  EXPECT_THROW(Parameters::Parse(Specs(), {{"sizes", "8B..-1"}}, "x"), InputError);
  EXPECT_THROW(Parameters::Parse(Specs(), {{"strict", "maybe"}}, "x"), InputError);
  EXPECT_THROW(Parameters::Parse(Specs(), {{"timeout", "soon"}}, "x"), InputError);
  EXPECT_THROW(Parameters::Parse(Specs(), {{"passes", "3x"}}, "x"), InputError);
}

}  // namespace
}  // namespace kiln

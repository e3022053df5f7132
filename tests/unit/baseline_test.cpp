#include "core/baseline.hpp"

#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "probes/registry.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

using testing::TempDir;

std::string LoadError(const std::string& xml) {
  TempDir dir;
  std::string path = dir.Write("b.xml", xml);
  try {
    LoadBaseline(path, ProbeRegistry::Default().AllMetrics());
  } catch (const InputError& e) {
    EXPECT_EQ(e.exit_code(), kExitBadInput);
    return e.what();
  }
  return "";
}

TEST(LoadBaseline, ReadsEveryShippedBaseline) {
  for (const char* sku : {"cpu-host", "h100-sxm5-80gb", "h200-sxm-141gb"}) {
    std::string path = testing::SourceDir() + "/baselines/" + sku + ".xml";
    Baseline b = LoadBaseline(path, ProbeRegistry::Default().AllMetrics());
    EXPECT_EQ(b.sku, sku);
    EXPECT_FALSE(b.expectations.empty());
    for (const Expectation& e : b.expectations) EXPECT_FALSE(e.source.empty()) << e.where;
  }
}

TEST(LoadBaseline, ReadsRuleAttributes) {
  TempDir dir;
  std::string path = dir.Write("b.xml", R"(<baseline sku="x" version="1">
  <expect metric="mpi.allreduce.busbw" labels="size=64MiB" rule="fraction" reference="10" fraction="0.9" source="s"/>
  <expect metric="host.stream.*" rule="fleet" k="2.5" min_drop="0.1" source="s" severity="warn"/>
</baseline>)");
  Baseline b = LoadBaseline(path, ProbeRegistry::Default().AllMetrics());
  ASSERT_EQ(b.expectations.size(), 2u);
  EXPECT_EQ(b.expectations[0].rule, RuleKind::kFraction);
  EXPECT_EQ(b.expectations[0].labels.at("size"), "64MiB");
  EXPECT_DOUBLE_EQ(b.expectations[0].reference, 10);
  EXPECT_EQ(b.expectations[0].unit, "GB/s");
  EXPECT_EQ(b.expectations[1].severity, Outcome::kWarn);
  EXPECT_DOUBLE_EQ(b.expectations[1].k, 2.5);
  EXPECT_EQ(b.sha256.size(), 64u);
}

TEST(LoadBaseline, RejectsUnknownMetricWithLine) {
  std::string error = LoadError("<baseline sku=\"x\">\n\n  <expect metric=\"host.strem.copy_bw\" rule=\"min\" value=\"1\" source=\"s\"/>\n</baseline>");
  EXPECT_NE(error.find("b.xml:3"), std::string::npos) << error;
  EXPECT_NE(error.find("unknown metric 'host.strem.copy_bw'"), std::string::npos) << error;
}

TEST(LoadBaseline, RejectsMalformedXmlWithLine) {
  std::string error = LoadError("<baseline sku=\"x\">\n<expect metric=\"a\"\n</baseline>");
  EXPECT_NE(error.find("malformed XML"), std::string::npos) << error;
  EXPECT_NE(error.find("b.xml:"), std::string::npos) << error;
}

TEST(LoadBaseline, RejectsUnknownElementsAttributesAndRules) {
  EXPECT_NE(LoadError("<baseline sku=\"x\"><expects/></baseline>").find("unknown element <expects>"), std::string::npos);
  EXPECT_NE(LoadError("<baseline sku=\"x\"><expect metric=\"host.stream.copy_bw\" rule=\"min\" value=\"1\" source=\"s\" color=\"red\"/></baseline>")
                .find("unknown attribute 'color'"),
            std::string::npos);
  EXPECT_NE(LoadError("<baseline sku=\"x\"><expect metric=\"host.stream.copy_bw\" rule=\"atleast\" value=\"1\" source=\"s\"/></baseline>")
                .find("unknown rule 'atleast'"),
            std::string::npos);
}

TEST(LoadBaseline, RejectsMissingSourceNegativeValueAndWrongUnit) {
  EXPECT_NE(LoadError("<baseline sku=\"x\"><expect metric=\"host.stream.copy_bw\" rule=\"min\" value=\"1\"/></baseline>")
                .find("needs attribute 'source'"),
            std::string::npos);
  EXPECT_NE(LoadError("<baseline sku=\"x\"><expect metric=\"host.stream.copy_bw\" rule=\"min\" value=\"-1\" source=\"s\"/></baseline>")
                .find("must not be negative"),
            std::string::npos);
  EXPECT_NE(LoadError("<baseline sku=\"x\"><expect metric=\"host.stream.copy_bw\" rule=\"min\" value=\"1\" unit=\"Gb/s\" source=\"s\"/></baseline>")
                .find("unit 'Gb/s' does not match"),
            std::string::npos);
  EXPECT_NE(LoadError("<baseline sku=\"x\"><expect metric=\"host.stream.copy_bw\" rule=\"min\" value=\"abc\" source=\"s\"/></baseline>")
                .find("is not a number"),
            std::string::npos);
}

TEST(LoadBaseline, RejectsUnreadableFile) {
  try {
    LoadBaseline("/nonexistent/b.xml", {});
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/b.xml"), std::string::npos);
  }
}

}  // namespace
}  // namespace kiln

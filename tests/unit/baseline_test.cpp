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

TEST(LoadBaseline, VersionTwoReadsShapesGpusBasisAndApplicability) {
  TempDir dir;
  std::string path = dir.Write("b.xml", R"(<baseline sku="x" version="2">
  <gpu model="NVIDIA H200*"/>
  <shape name="hgx-8gpu" default="true" description="board" gpus="8" nvlinks_per_gpu="18" ib_ports="8" source="s"/>
  <shape name="1gpu" description="alone" gpus="1" source="s"/>
  <expect metric="nccl.busbw" labels="collective=all_reduce,size=16GiB" rule="min" value="431" shapes="hgx-8gpu"
          min_gpus="8" max_gpus="8" basis="tool" source="Azure"/>
  <expect metric="gpu.stress.tflops" labels="type=bf16" rule="fraction" reference="681" fraction="0.9"
          basis="measured" measured_on="H200, 700 W, sustained" source="Kiln"/>
  <expect metric="mpi.allreduce.time" rule="max" value="1" min_nodes="2" gpu_model="*H200*" optional="true" basis="policy" source="s"/>
</baseline>)");
  Baseline b = LoadBaseline(path, ProbeRegistry::Default().AllMetrics());
  EXPECT_EQ(b.version, 2);
  EXPECT_EQ(b.gpu_models, std::vector<std::string>{"NVIDIA H200*"});
  ASSERT_EQ(b.shapes.size(), 2u);
  EXPECT_EQ(b.default_shape, "hgx-8gpu");
  EXPECT_EQ(b.shapes[0].nvlinks_per_gpu, 18);
  EXPECT_EQ(b.shapes[1].ib_ports, 0);
  EXPECT_EQ(b.expectations[0].applies.shapes, std::vector<std::string>{"hgx-8gpu"});
  EXPECT_EQ(b.expectations[0].applies.min_gpus, 8);
  EXPECT_EQ(b.expectations[0].basis, Basis::kToolGate);
  EXPECT_EQ(b.expectations[1].basis, Basis::kMeasured);
  EXPECT_EQ(b.expectations[1].measured_on, "H200, 700 W, sustained");
  EXPECT_TRUE(b.expectations[2].optional);
  EXPECT_EQ(b.expectations[2].applies.min_nodes, 2);
  EXPECT_EQ(Describe(b.expectations[0].applies), "node shape hgx-8gpu, >= 8 GPUs, <= 8 GPUs");
  EXPECT_EQ(Describe(b.shapes[0]), "8 GPUs, 18 NVLinks each, 8 InfiniBand ports");
}

TEST(LoadBaseline, RefusesFloorsAHealthyGpuCannotHold) {
  const char* head = "<baseline sku=\"x\" version=\"2\">\n";
  std::string peak = LoadError(std::string(head) +
      R"(<expect metric="gpu.stress.tflops" rule="fraction" reference="989" fraction="0.7" basis="datasheet" source="peak"/></baseline>)");
  EXPECT_NE(peak.find("b.xml:2"), std::string::npos) << peak;
  EXPECT_NE(peak.find("share of a datasheet peak"), std::string::npos) << peak;
  std::string burst = LoadError(std::string(head) +
      R"(<expect metric="gpu.stress.tflops" rule="min" value="700" basis="measured" measured_on="H200, burst 70 ms" source="torch"/></baseline>)");
  EXPECT_NE(burst.find("burst measurement"), std::string::npos) << burst;
  std::string unnamed = LoadError(std::string(head) +
      R"(<expect metric="gpu.stress.tflops" rule="min" value="600" basis="measured" source="Kiln"/></baseline>)");
  EXPECT_NE(unnamed.find("needs measured_on"), std::string::npos) << unnamed;
  // A burst number is fine for a warning, and a datasheet number for a warning or an equality.
  EXPECT_EQ(LoadError(std::string(head) +
      R"(<expect metric="gpu.stress.tflops" rule="min" value="700" severity="warn" basis="measured" measured_on="burst" source="t"/>
         <expect metric="health.gpu_pcie_width" rule="equal" value="16" basis="datasheet" source="spec"/></baseline>)"), "");
}

TEST(LoadBaseline, RefusesWhatWouldSilentlyJudgeNothingOrTwice) {
  const char* head = "<baseline sku=\"x\" version=\"2\">\n";
  std::string twice = LoadError(std::string(head) +
      R"(<expect metric="nccl.wrong_elements" rule="count_limit" value="0" basis="policy" source="s"/></baseline>)");
  EXPECT_NE(twice.find("correctness counter"), std::string::npos) << twice;
  std::string shape = LoadError(std::string(head) +
      R"(<expect metric="hbm.copy_bw" rule="min" value="1" shapes="hgx" basis="policy" source="s"/></baseline>)");
  EXPECT_NE(shape.find("shape 'hgx', which this baseline does not declare"), std::string::npos) << shape;
  std::string basis = LoadError(std::string(head) +
      R"(<expect metric="hbm.copy_bw" rule="min" value="1" source="s"/></baseline>)");
  EXPECT_NE(basis.find("needs attribute 'basis'"), std::string::npos) << basis;
  std::string v1 = LoadError(R"(<baseline sku="x" version="1"><expect metric="hbm.copy_bw" rule="min" value="1" shapes="a" source="s"/></baseline>)");
  EXPECT_NE(v1.find("'shapes' needs version=\"2\""), std::string::npos) << v1;
  std::string never = LoadError(std::string(head) +
      R"(<expect metric="hbm.copy_bw" rule="min" value="1" min_gpus="8" max_gpus="4" basis="policy" source="s"/></baseline>)");
  EXPECT_NE(never.find("could never apply"), std::string::npos) << never;
}

TEST(LoadBaseline, RefusesABaselineWithoutARule) {
  // Issue 25 #30: with no <expect> a report passed on Kiln's correctness counters alone.
  std::string none = LoadError("<baseline sku=\"x\" version=\"2\">\n  <gpu model=\"none\"/>\n</baseline>");
  EXPECT_NE(none.find("b.xml:1"), std::string::npos) << none;
  EXPECT_NE(none.find("no <expect> rule"), std::string::npos) << none;
  EXPECT_NE(LoadError("<baseline sku=\"x\"/>").find("no <expect> rule"), std::string::npos);
}

TEST(LoadBaseline, RefusesWholeNumbersWithAFractionOrJunk) {
  // Issue 25 #30: min_fleet="3.9" was read as 3.
  const char* head = "<baseline sku=\"x\" version=\"2\">\n";
  for (const char* bad : {"3.9", "3.0", "3e0", " 4", "4 ", "+4", "4x", "0x4", "", "-3", "2"}) {
    std::string error = LoadError(std::string(head) + "<expect metric=\"host.stream.*\" rule=\"fleet\" min_fleet=\"" +
                                  bad + "\" basis=\"policy\" source=\"s\"/></baseline>");
    EXPECT_NE(error.find("b.xml:2"), std::string::npos) << bad << ": " << error;
    EXPECT_NE(error.find("'min_fleet'"), std::string::npos) << bad << ": " << error;
  }
  for (const char* attribute : {"min_gpus", "max_gpus", "min_nodes"}) {
    std::string error = LoadError(std::string(head) + "<expect metric=\"hbm.copy_bw\" rule=\"min\" value=\"1\" " +
                                  attribute + "=\"7.5\" basis=\"policy\" source=\"s\"/></baseline>");
    EXPECT_NE(error.find("must be a whole number"), std::string::npos) << attribute << ": " << error;
  }
  std::string shape = LoadError(std::string(head) + "<shape name=\"a\" description=\"d\" gpus=\"8.5\" source=\"s\"/>"
                                "<expect metric=\"hbm.copy_bw\" rule=\"min\" value=\"1\" basis=\"policy\" source=\"s\"/></baseline>");
  EXPECT_NE(shape.find("'gpus' = '8.5' must be a whole number"), std::string::npos) << shape;
  TempDir dir;
  Baseline b = LoadBaseline(dir.Write("ok.xml", std::string(head) + "<expect metric=\"host.stream.*\" rule=\"fleet\" "
                                                "min_fleet=\"12\" basis=\"policy\" source=\"s\"/></baseline>"),
                            ProbeRegistry::Default().AllMetrics());
  EXPECT_EQ(b.expectations.at(0).min_fleet, 12);
}

TEST(LoadBaseline, RefusesBlankSourcesAndNames) {
  // Issue 25 #30: source=" " was accepted as where a number comes from.
  const char* head = "<baseline sku=\"x\" version=\"2\">\n";
  for (const char* blank : {" ", "\t", "  \n "}) {
    std::string error = LoadError(std::string(head) + "<expect metric=\"hbm.copy_bw\" rule=\"min\" value=\"1\" "
                                  "basis=\"policy\" source=\"" + blank + "\"/></baseline>");
    EXPECT_NE(error.find("b.xml:2"), std::string::npos) << error;
    EXPECT_NE(error.find("'source' is blank"), std::string::npos) << error;
  }
  std::string measured = LoadError(std::string(head) + "<expect metric=\"hbm.copy_bw\" rule=\"min\" value=\"1\" "
                                   "basis=\"measured\" measured_on=\" \" source=\"Kiln\"/></baseline>");
  EXPECT_NE(measured.find("needs measured_on"), std::string::npos) << measured;
  std::string shape = LoadError(std::string(head) + "<shape name=\"a\" description=\"d\" gpus=\"1\" source=\" \"/>"
                                "<expect metric=\"hbm.copy_bw\" rule=\"min\" value=\"1\" basis=\"policy\" source=\"s\"/></baseline>");
  EXPECT_NE(shape.find("'source' is blank"), std::string::npos) << shape;
  EXPECT_NE(LoadError("<baseline sku=\" \" version=\"2\"><expect metric=\"hbm.copy_bw\" rule=\"min\" value=\"1\" "
                      "basis=\"policy\" source=\"s\"/></baseline>").find("'sku' is blank"),
            std::string::npos);
  EXPECT_NE(LoadError(std::string(head) + "<gpu model=\"\"/><expect metric=\"hbm.copy_bw\" rule=\"min\" value=\"1\" "
                      "basis=\"policy\" source=\"s\"/></baseline>").find("'model' is blank"),
            std::string::npos);
}

}  // namespace
}  // namespace kiln

#include "runners/suite.hpp"

#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

using testing::TempDir;

std::string LoadError(const std::string& xml) {
  TempDir dir;
  std::string path = dir.Write("s.xml", xml);
  try {
    LoadSuite(path, ProbeRegistry::Default());
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(LoadSuite, ReadsShippedSuites) {
  for (const char* name : {"quick", "acceptance"}) {
    Suite s = LoadSuite(testing::SourceDir() + "/suites/" + name + ".xml", ProbeRegistry::Default());
    EXPECT_EQ(s.name, name);
    ASSERT_GE(s.steps.size(), 4u);
    EXPECT_EQ(s.steps.front().phase, "health");
    EXPECT_EQ(s.steps.back().phase, "group");
  }
}

TEST(LoadSuite, ReadsStepsParamsTimeoutsAndRounds) {
  TempDir dir;
  std::string path = dir.Write("s.xml", R"(<suite name="t">
  <phase name="node"><step probe="host_stream" timeout="90s"><param name="passes" value="3"/></step></phase>
  <phase name="pair"><step probe="mpi_link" rounds="2"/></phase>
</suite>)");
  Suite s = LoadSuite(path, ProbeRegistry::Default());
  ASSERT_EQ(s.steps.size(), 2u);
  EXPECT_EQ(s.steps[0].params.Int("passes"), 3);
  EXPECT_DOUBLE_EQ(s.steps[0].timeout.count(), 90);
  EXPECT_EQ(s.steps[1].rounds, 2);
  EXPECT_NE(s.steps[0].where.find("s.xml:2"), std::string::npos);
}

TEST(LoadSuite, RejectsUnknownProbeWithLine) {
  std::string e = LoadError("<suite name=\"t\">\n<phase name=\"node\">\n<step probe=\"host_steam\"/>\n</phase></suite>");
  EXPECT_NE(e.find("s.xml:3"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown probe 'host_steam'"), std::string::npos) << e;
}

TEST(LoadSuite, RejectsParametersTheProbeCannotUseAtLoadNotAtRunTime) {
  std::string e = LoadError("<suite name=\"t\">\n<phase name=\"group\">\n<step probe=\"mpi_allreduce\">"
                            "<param name=\"sizes\" value=\"7B\"/></step>\n</phase></suite>");
  EXPECT_NE(e.find("s.xml:3: probe 'mpi_allreduce': size 7B is not a multiple of 4 bytes"), std::string::npos) << e;
  EXPECT_NE(LoadError("<suite name=\"t\"><phase name=\"node\"><step probe=\"host_stream\" timeout=\"2562048h\"/>"
                      "</phase></suite>").find("at most 365d"),
            std::string::npos);
}
TEST(LoadSuite, RejectsProbeInTheWrongPhase) {
  EXPECT_NE(LoadError("<suite name=\"t\"><phase name=\"node\"><step probe=\"mpi_allreduce\"/></phase></suite>")
                .find("cannot run in phase 'node'"),
            std::string::npos);
}

TEST(LoadSuite, RejectsPhasesOutOfOrderAndUnknownElements) {
  EXPECT_NE(LoadError("<suite name=\"t\"><phase name=\"group\"><step probe=\"mpi_allreduce\"/></phase>"
                      "<phase name=\"node\"><step probe=\"host_stream\"/></phase></suite>")
                .find("out of order"),
            std::string::npos);
  EXPECT_NE(LoadError("<suite name=\"t\"><phase name=\"warmup\"/></suite>").find("unknown phase"), std::string::npos);
  EXPECT_NE(LoadError("<suite name=\"t\"><phase name=\"node\"><probe name=\"x\"/></phase></suite>")
                .find("unknown element <probe>"),
            std::string::npos);
  EXPECT_NE(LoadError("<suite name=\"t\" speed=\"fast\"/>").find("unknown attribute 'speed'"), std::string::npos);
}

TEST(LoadSuite, RejectsBadValues) {
  EXPECT_NE(LoadError("<suite name=\"t\"><phase name=\"node\"><step probe=\"host_stream\" timeout=\"-3s\"/></phase></suite>")
                .find("not a positive duration"),
            std::string::npos);
  EXPECT_NE(LoadError("<suite name=\"t\"><phase name=\"node\"><step probe=\"host_stream\"><param name=\"array_size\" value=\"-1MiB\"/></step></phase></suite>")
                .find("parameter 'array_size' = '-1MiB'"),
            std::string::npos);
  EXPECT_NE(LoadError("<suite name=\"t\"><phase name=\"node\"><step probe=\"host_stream\" rounds=\"2\"/></phase></suite>")
                .find("pair probes only"),
            std::string::npos);
  EXPECT_NE(LoadError("<suite name=\"t\"></suite>").find("no steps"), std::string::npos);
}

TEST(PlanSuite, AskedTimeScalesWithWhatEachProbeIsAskedToMeasure) {
  ProbeRegistry registry = ProbeRegistry::Default();
  auto asked = [&](const std::string& probe, std::map<std::string, std::string> given) {
    Probe* p = registry.Find(probe);
    return p->AskedTime(Parameters::Parse(p->Parameters(), given, "test")).count();
  };
  EXPECT_DOUBLE_EQ(asked("mpi_link", {{"samples", "3"}, {"sample_time", "200ms"}}), 1.2);  // both ways
  EXPECT_DOUBLE_EQ(asked("mpi_allreduce", {{"sizes", "8B..1KiB"}, {"samples", "2"}, {"sample_time", "10ms"}}),
                   8 * 3 * 0.01);  // 8 sizes, a warm-up and 2 samples each
  EXPECT_DOUBLE_EQ(asked("mpi_alltoall", {{"sizes", "1KiB"}, {"samples", "4"}, {"sample_time", "1s"}}), 5);
  EXPECT_DOUBLE_EQ(asked("host_compute", {{"duration", "3s"}}), 3);
  EXPECT_DOUBLE_EQ(asked("health", {}), 0);  // says nothing of time
}

TEST(PlanSuite, WarnsOfAStepWhoseTimeoutIsShorterThanWhatItAsks) {
  TempDir dir;
  std::string path = dir.Write("s.xml", R"(<suite name="t">
  <phase name="node">
    <step probe="sleep" timeout="5s"><param name="duration" value="2s"/></step>
    <step probe="host_compute" timeout="3s"><param name="duration" value="10s"/></step>
  </phase>
</suite>)");
  SuitePlan plan = PlanSuite(LoadSuite(path, ProbeRegistry::Default()));
  ASSERT_EQ(plan.warnings.size(), 1u);
  EXPECT_NE(plan.warnings[0].find("step 2 node/host_compute (" + path + ":4)"), std::string::npos) << plan.warnings[0];
  EXPECT_NE(plan.warnings[0].find("ask for 10s of measuring, more than its timeout of 3s"), std::string::npos)
      << plan.warnings[0];
  for (const char* name : {"quick", "acceptance", "burnin"}) {  // the shipped suites give every step its time
    EXPECT_TRUE(PlanSuite(LoadSuite(testing::SourceDir() + "/suites/" + name + ".xml", ProbeRegistry::Default()))
                    .warnings.empty())
        << name;
  }
}

}  // namespace
}  // namespace kiln

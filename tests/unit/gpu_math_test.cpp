#include "probes/gpu_stress/gemm_math.hpp"
#include "probes/gpu_toolkit/bus_id.hpp"
#include "probes/hbm_bandwidth/hbm_sizing.hpp"
#include "probes/p2p_bandwidth/slow_cells.hpp"

#include <gtest/gtest.h>

#include <set>

#include "probes/gpu_toolkit/element_ops.hpp"
#include "probes/health/gpu_events.hpp"
#include "probes/gpu_plugin/gpu_probes.hpp"
#include "probes/registry.hpp"

namespace kiln::gpu {
namespace {

TEST(PlanGemm, FillsTheFractionOfFreeMemoryWithResultMatrices) {
  // 80 GiB free, 90%, 8192^2 bf16 = 128 MiB per matrix: 576 matrices fit, 2 are inputs.
  GemmPlan plan = PlanGemm(80ull << 30, 0.9, 8192, GemmType::kBf16);
  EXPECT_EQ(plan.result_matrices, 574u);
  EXPECT_EQ(PlanGemm(100ull << 20, 0.9, 8192, GemmType::kFp64).result_matrices, 0u);  // not even 3 fit
}

TEST(GemmTflops, IsTwoNCubedPerGemm) {
  // 10 GEMMs of 8192^3 in 1 s: 2 * 549755813888 * 10 / 1e12 = 10.995...
  EXPECT_NEAR(GemmTflops(8192, 10, 1.0), 10.99511627776, 1e-9);
  EXPECT_EQ(GemmTflops(8192, 10, 0), 0);
}

TEST(ComparisonTolerance, FollowsGpuBurnForFloatAndDouble) {
  EXPECT_DOUBLE_EQ(ComparisonTolerance(GemmType::kFp32, 90), 1e-3);
  EXPECT_DOUBLE_EQ(ComparisonTolerance(GemmType::kFp64, 90), 1e-7);
  EXPECT_GT(ComparisonTolerance(GemmType::kBf16, 90), ComparisonTolerance(GemmType::kFp16, 90));
}

TEST(ParseGemmType, KnowsEveryName) {
  GemmType t;
  for (const char* name : {"fp64", "fp32", "tf32", "bf16", "fp16"}) {
    ASSERT_TRUE(ParseGemmType(name, t)) << name;
    EXPECT_EQ(Name(t), name);
  }
  EXPECT_FALSE(ParseGemmType("int8", t));
  EXPECT_EQ(ElementBytes(GemmType::kBf16), 2u);
}

TEST(HbmElements, StaysBeyondL2AndInsideFreeMemory) {
  // 0 = a third of 80% of 60 GiB -> 16 GiB per array.
  EXPECT_EQ(HbmElements(0, 60ull << 30, 0.8, 50ull << 20, 8), (16ull << 30) / 8);
  // Asked 1 MiB but L2 is 50 MiB: raised to 8 x L2.
  EXPECT_EQ(HbmElements(1 << 20, 60ull << 30, 0.8, 50ull << 20, 8), (400ull << 20) / 8);
  EXPECT_EQ(HbmElements(30ull << 30, 60ull << 30, 0.8, 50ull << 20, 8), 0u);  // 3 x 30 GiB do not fit
}

TEST(SlowCells, FlagsTheOneDegradedLink) {
  std::vector<std::vector<double>> m(4, std::vector<double>(4, 370.0));
  m[1][2] = 120.0;  // a degraded NVLink
  auto slow = SlowCells(m, 0.8);
  ASSERT_EQ(slow.size(), 1u);
  EXPECT_EQ(slow[0].from, 1);
  EXPECT_EQ(slow[0].to, 2);
  EXPECT_DOUBLE_EQ(slow[0].median, 370.0);
  EXPECT_TRUE(SlowCells(std::vector<std::vector<double>>(4, std::vector<double>(4, 300.0)), 0.8).empty());
}

TEST(ThrottleReasons, SharesCountEachReasonOverAllSamples) {
  // 4 samples: power cap in 3, HW slowdown in 1 (with the cap), idle in 1.
  auto shares = ThrottleShares({0x4, 0x4 | 0x8, 0x4, 0x1});
  ASSERT_EQ(shares.size(), 5u);
  EXPECT_EQ(shares[0], (std::pair<std::string, double>{"sw_power_cap", 75.0}));
  EXPECT_EQ(shares[1], (std::pair<std::string, double>{"hw_slowdown", 25.0}));
  EXPECT_EQ(shares[4], (std::pair<std::string, double>{"hw_power_brake_slowdown", 0.0}));
  EXPECT_TRUE(ThrottleShares({}).empty());
}

TEST(ThrottleReasons, DecodesAndJudgesLikeAzure) {
  EXPECT_EQ(DecodeThrottleReasons(0x1 | 0x4), (std::vector<std::string>{"gpu_idle", "sw_power_cap"}));
  EXPECT_FALSE(ThrottleIsFault(0));
  EXPECT_FALSE(ThrottleIsFault(0x1 | 0x4));
  EXPECT_TRUE(ThrottleIsFault(0x40));  // hardware thermal slowdown
  EXPECT_TRUE(ThrottleIsFault(0x8));   // hardware slowdown
  EXPECT_TRUE(ThrottleIsFault(0x1000));
  EXPECT_EQ(DecodeThrottleReasons(0x1000).back(), "unknown_0x1000");
}

TEST(Xid, FatalListMatchesTheHealthChecks) {
  for (int xid : {48, 56, 57, 58, 62, 63, 64, 65, 68, 69, 73, 74, 79, 80, 81, 92, 119, 120}) {
    EXPECT_TRUE(XidIsFatal(xid)) << xid;
  }
  EXPECT_FALSE(XidIsFatal(13));  // graphics engine exception: an application's fault
  EXPECT_EQ(XidMeaning(79), "GPU has fallen off the bus");
}

TEST(NormalizeBusId, MatchesCudaAndNvmlSpellings) {
  EXPECT_EQ(NormalizeBusId("00000000:18:00.0"), "0000:18:00.0");
  EXPECT_EQ(NormalizeBusId("0000:18:00.0"), "0000:18:00.0");
  EXPECT_EQ(NormalizeBusId("0000:AB:00.0"), "0000:ab:00.0");
  EXPECT_EQ(NormalizeBusId("nonsense"), "");
}

TEST(ElementOps, KernelArithmeticOnTheHost) {
  EXPECT_DOUBLE_EQ(StreamScale(2.0), 6.0);
  EXPECT_DOUBLE_EQ(StreamTriad(1.0, 2.0), 7.0);
  for (std::uint64_t i = 0; i < 1000; ++i) {
    float v = MatrixValue(7, i);
    EXPECT_GE(v, -1.0f);
    EXPECT_LT(v, 1.0f);
  }
  EXPECT_NE(MatrixValue(1, 0), MatrixValue(2, 0));
  EXPECT_EQ(MatrixValue(1, 5), MatrixValue(1, 5));
  // The collective's exact sum equals adding the inputs.
  for (int ranks : {1, 2, 3, 8, 17}) {
    for (std::uint64_t i = 0; i < 7; ++i) {
      float sum = 0;
      for (int r = 0; r < ranks; ++r) sum += CollectiveInput(r, i);
      EXPECT_EQ(CollectiveSum(ranks, i), sum);
    }
  }
}

TEST(GpuProbeDeclarations, EachIsRegisteredOnceWithDottedMetricsOfItsOwn) {
  ProbeRegistry registry = ProbeRegistry::Default();
  std::set<std::string> names, metrics;
  for (const GpuProbeDeclaration& d : GpuProbeDeclarations()) {
    EXPECT_TRUE(names.insert(d.name).second) << d.name << " declared twice";
    Probe* probe = registry.Find(d.name);
    ASSERT_NE(probe, nullptr) << d.name;
    EXPECT_EQ(probe->Metrics().size(), d.metrics.size());
    for (const MetricSpec& m : d.metrics) {
      EXPECT_TRUE(metrics.insert(m.name).second) << m.name << " reported by two GPU probes";
      EXPECT_NE(m.name.find('.'), std::string::npos) << m.name;
    }
  }
  EXPECT_EQ(names, (std::set<std::string>{"gpu_stress", "hbm_bandwidth", "nccl", "p2p_bandwidth", "pcie"}));
}

}  // namespace
}  // namespace kiln::gpu

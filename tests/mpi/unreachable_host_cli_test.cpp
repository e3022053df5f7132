// A host that does not answer (issue 28): `kiln run --hosts` over a hostfile with a host no sshd listens on ends
// with a report that names it ("did not join": why, in ssh's words through mpirun), exit 1, and the other host
// judged. The host is a loopback address with nothing on port 22: ssh is refused at once, on any machine speed,
// and no name reaches DNS.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>

#include "core/verdict.hpp"
#include "reports/report.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

constexpr const char* kSilentHost = "127.83.41.9";

bool PortOpen(const char* address, int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, address, &to.sin_addr);
  bool open = ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0;
  ::close(fd);
  return open;
}

TEST(UnreachableHostCli, AHostThatDoesNotAnswerIsNamedInTheReportAndTheOthersAreJudged) {
  if (PortOpen(kSilentHost, 22)) GTEST_SKIP() << "an sshd answers on " << kSilentHost;
  testing::TempDir dir;
  std::string hosts = dir.Write("hosts", std::string("localhost\n") + kSilentHost + "\n");
  std::string out = (dir.path() / "out").string();
  auto r = testing::RunKiln({"run", "--quiet", "--hosts", hosts, "--suite",
                             testing::SourceDir() + "/tests/fixtures/suites/mpi_small.xml", "--baseline", "cpu-host",
                             "--out", out}, 600);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find(std::string("kiln: host ") + kSilentHost + " (" + hosts + ":2) did not join: mpirun: "),
            std::string::npos) << r.output;
  EXPECT_NE(r.output.find("kiln: report written to " + out + "/report.json"), std::string::npos) << r.output;
  ASSERT_TRUE(std::filesystem::exists(out + "/report.json")) << r.output;

  nlohmann::json report = LoadReport(out + "/report.json");
  std::vector<Verdict> verdicts = report.at("verdicts").get<std::vector<Verdict>>();
  const Verdict* missing = nullptr;
  for (const Verdict& v : verdicts) {
    if (v.probe == "launch" && v.subject == Subject::Node(kSilentHost)) missing = &v;
  }
  ASSERT_NE(missing, nullptr) << report["verdicts"].dump(1).substr(0, 2000);
  EXPECT_EQ(missing->outcome, Outcome::kError);
  std::string joined = hosts + ":2 did not join the job: mpirun: ";
  EXPECT_NE(missing->reason.find("host listed in " + joined), std::string::npos) << missing->reason;
  EXPECT_GT(missing->reason.size(), ("host listed in " + joined).size()) << "no why: " << missing->reason;
  // The host that answered was measured and judged.
  ASSERT_EQ(report["cluster"]["nodes"].size(), 1u);
  bool stream_judged = false;
  for (const Verdict& v : verdicts) stream_judged = stream_judged || (v.probe == "host_stream" && v.outcome == Outcome::kPass);
  EXPECT_TRUE(stream_judged);
  EXPECT_EQ(report["summary"]["exit_code"], 1);
  EXPECT_EQ(report["summary"]["outcome"], "error");
}

TEST(UnreachableHostCli, BisectNamesAHostThatDoesNotAnswerAndWhy) {
  // kiln bisect --hosts over the same pair: every trial with the silent host ends at mpirun's start without a
  // report. The host is accused, and the finding says it does not answer alone and why, in ssh's words.
  if (PortOpen(kSilentHost, 22)) GTEST_SKIP() << "an sshd answers on " << kSilentHost;
  testing::TempDir dir;
  std::string hosts = dir.Write("hosts", std::string("localhost\n") + kSilentHost + "\n");
  std::string out = (dir.path() / "out").string();
  auto r = testing::RunKiln({"bisect", "--quiet", "--hosts", hosts, "--launcher", "mpirun", "--probe", "mpi_allreduce",
                             "--suite", testing::SourceDir() + "/tests/fixtures/suites/bisect_netns.xml", "--baseline",
                             testing::SourceDir() + "/tests/fixtures/baselines/netns.xml", "--launch-slack", "20",
                             "--out", out}, 600);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  ASSERT_TRUE(std::filesystem::exists(out + "/report.json")) << r.output;
  nlohmann::json report = LoadReport(out + "/report.json");
  std::vector<std::string> accused;
  std::string why;
  for (const auto& f : report["bisection"]["findings"]) {
    if (f["kind"] != "node") continue;
    accused.push_back(f["subject"]["nodes"][0]);
    why = f["reason"];
  }
  ASSERT_EQ(accused, std::vector<std::string>{kSilentHost}) << report["bisection"]["findings"].dump(1);
  EXPECT_NE(why.find(std::string("host ") + kSilentHost + " does not answer alone (mpirun --host " + kSilentHost),
            std::string::npos) << why;
  EXPECT_NE(why.find(" true: mpirun: "), std::string::npos) << "no why: " << why;
}

}  // namespace
}  // namespace kiln

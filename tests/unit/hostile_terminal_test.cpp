// Hostile inputs of issue 25 that reach a terminal, a hostfile, metrics.prom, a schedule's units or the node's
// /sys and /proc: one test per bug, named after it (the CLI side is tests/mpi/hostile_terminal_cli_test.cpp).

#include <gtest/gtest.h>

#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <functional>
#include <filesystem>
#include <regex>
#include <sstream>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "probes/common/system_files.hpp"
#include "probes/health/node_inventory.hpp"
#include "probes/health/xid_log.hpp"
#include "reports/printable.hpp"
#include "reports/renderers.hpp"
#include "runners/hostfile.hpp"
#include "sweeps/fail_node_hook.hpp"
#include "sweeps/schedule.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

const std::string kClearScreen = "\x1b[2J";

// The first byte that would act on a terminal: a C0 control other than newline and tab, DEL, or a C1 control
// (U+0080..U+009F); npos when there is none.
std::size_t FirstControl(const std::string& text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) return i;
    if (c == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) <= 0x9f) return i;
  }
  return std::string::npos;
}

// The real H100 report with its node "vm" renamed `name` everywhere (cluster, subjects, verdicts).
nlohmann::json ReportWithNode(const std::string& name) {
  nlohmann::json report = nlohmann::json::parse(ReadFile(testing::SourceDir() + "/tests/fixtures/real/h100-x1.json"));
  std::function<void(nlohmann::json&)> rename = [&](nlohmann::json& value) {
    if (value.is_string() && value.get<std::string>() == "vm") value = name;
    if (value.is_structured()) {
      for (auto& child : value) rename(child);
    }
  };
  rename(report);
  return report;
}

std::string InputErrorOf(const std::function<void()>& call) {
  try {
    call();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no InputError)";
}

TEST(HostileTerminal, Bug17_ControlCharactersAreEscapedInMarkdownHostfileAndHookMessages) {
  // kiln report --format md prints to the terminal: a node name, the cluster name and the signature's key id
  // from report.json must not clear the screen (C0 ESC, and C1 CSI U+009B, which some terminals obey).
  nlohmann::json report = ReportWithNode("vm" + kClearScreen);
  report["cluster"]["name"] = "c\xc2\x9b" "2J\x1b]0;owned\x07";
  report["signature"] = {{"signed", true}, {"key_id", "K\xc2\x9b" "2J"}, {"file", "r\rx"}};
  report["run"]["started"] = "2026\x1b[H";
  std::string md = RenderMarkdown(report);
  EXPECT_EQ(FirstControl(md), std::string::npos) << md.substr(FirstControl(md) - std::min<std::size_t>(FirstControl(md), 40), 80);
  EXPECT_NE(md.find("vm\\x1b[2J"), std::string::npos) << "the name stays readable";
  EXPECT_NE(md.find("c\\xc2\\x9b2J\\x1b]0;owned\\x07"), std::string::npos) << md.substr(0, 600);

  // The hostfile's error message quotes the name: escaped.
  std::string hostfile_error = InputErrorOf([] { ParseHostfile("node1\nvm" + kClearScreen + "\n", "hosts"); });
  EXPECT_EQ(FirstControl(hostfile_error), std::string::npos) << hostfile_error;
  EXPECT_NE(hostfile_error.find("hosts:2: host 'vm\\x1b[2J'"), std::string::npos) << hostfile_error;

  // --on-fail-node refuses a node name that is not a plain hostname; the refusal it prints is escaped.
  testing::TempDir dir;
  std::string path = dir.Write("report.json", report.dump());
  std::vector<HookCall> calls = RunFailNodeHook("/bin/true", path);
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].exit_code, -1);
  EXPECT_EQ(FirstControl(calls[0].node + calls[0].message), std::string::npos) << calls[0].message;
  EXPECT_NE(calls[0].message.find("node name 'vm\\x1b[2J' is not a plain hostname"), std::string::npos)
      << calls[0].message;

  // Printable itself: C0, DEL, C1 and bytes that are not UTF-8 become \xNN; other UTF-8 stays.
  EXPECT_EQ(Printable("a\x1b[2Jb\x7f\xc2\x9b\xff\xe2\x82"), "a\\x1b[2Jb\\x7f\\xc2\\x9b\\xff\\xe2\\x82");
  EXPECT_EQ(Printable("n\xc3\xa9ud \xe2\x9c\x93 \xf0\x9f\x94\xa5"), "n\xc3\xa9ud \xe2\x9c\x93 \xf0\x9f\x94\xa5");
  EXPECT_EQ(Printable("a\nb\tc", true), "a\nb\tc");
  EXPECT_EQ(Printable("a\nb"), "a\\x0ab");
}

TEST(HostileTerminal, Bug18_HostfileTakesOnlyWhatMpirunAndDnsTake) {
  // mpirun (Open MPI 4.1) exits 255 on '_' ("illegal character in node name") and 1 on "[::1]" or a CRLF line
  // ("parse error in the hostfile"), without a report: Kiln refuses them first, naming file, line and name.
  struct Case {
    std::string text, message;
  };
  std::string long_label(64, 'a'), long_name = std::string(63, 'a') + "." + std::string(63, 'b') + "." +
                                             std::string(63, 'c') + "." + std::string(63, 'd');  // 255 characters
  for (const Case& c : std::vector<Case>{
           {"node1\na_b\n", "hosts:2: host 'a_b' holds '_'"},
           {"node1\r\nnode2\r\n", "hosts:1: carriage return"},
           {"[::1]\n", "hosts:1: host '[::1]' is an IPv6 address"},
           {"::1\n", "hosts:1: host '::1' is an IPv6 address"},
           {"vm\nVM\n", "hosts:2: host 'VM' is listed twice (first on line 1 as 'vm'; host names ignore case)"},
           {long_label + ".example\n", "hosts:1: host 'aaaa"},
           {long_name + "\n", "is longer than 253 characters"},
           {"10.0.0.256\n", "is not an IPv4 address"},
           {"node-.example\n", "starts or ends with '-'"},
           {"node..example\n", "empty label"},
           {"n\xc3\xa9ud\n", "holds '\\xc3'"},
       }) {
    std::string message = InputErrorOf([&] { ParseHostfile(c.text, "hosts"); });
    EXPECT_NE(message.find(c.message), std::string::npos) << Printable(c.text) << " -> " << message;
    EXPECT_LT(message.size(), 400u) << "a long name is cut in the message";
  }
  // What both take: names up to 253 characters in labels up to 63, digits first, IPv4 addresses, localhost.
  std::string longest = std::string(63, 'a') + "." + std::string(63, 'b') + "." + std::string(63, 'c') + "." +
                        std::string(61, 'd');
  ASSERT_EQ(longest.size(), 253u);
  EXPECT_EQ(ParseHostfile(longest + "\n3com.example slots=2\n10.0.0.5\nlocalhost\nNode-7\n", "h").size(), 5u);
  // A hostfile's VM is the node that calls itself vm: not reported as missing.
  EXPECT_TRUE(HostsMissing(ParseHostfile("VM\nNode2.Cluster\n", "h"), {"vm", "node2"}).empty());
}

TEST(HostileTerminal, Bug20_ReservedLabelNamesNeverReachMetricsProm) {
  // A label key __name__ would name the sample's metric (promtool refuses the file; node_exporter would drop
  // every Kiln metric with it). Names Prometheus reserves (a leading "__") are exported with the prefix "label".
  nlohmann::json report = ReportWithNode("vm");
  ASSERT_FALSE(report["measurements"].empty());
  report["measurements"][0]["labels"] = {{"__name__", "kiln_fake"}, {"__meta_x", "1"}, {"-_y", "2"}, {"ok", "3"}};
  std::string prom = RenderPrometheus(report);
  std::regex reserved(R"([{,]__[a-zA-Z0-9_]*=)");
  EXPECT_FALSE(std::regex_search(prom, reserved)) << prom.substr(0, 2000);
  EXPECT_NE(prom.find("label__name__=\"kiln_fake\""), std::string::npos);
  EXPECT_NE(prom.find("label__meta_x=\"1\""), std::string::npos);
  EXPECT_NE(prom.find("label__y=\"2\""), std::string::npos);
  EXPECT_NE(prom.find("ok=\"3\""), std::string::npos);
  if (testing::RunCommand({"sh", "-c", "command -v promtool"}, 10).exit_code != 0) {
    GTEST_SKIP() << "promtool not installed (Debian package prometheus): the text checks above ran";
  }
  testing::TempDir dir;
  std::string file = dir.Write("metrics.prom", prom);
  auto check = testing::RunCommand({"sh", "-c", "promtool check metrics < " + file}, 60);
  EXPECT_EQ(check.exit_code, 0) << check.output;
  EXPECT_EQ(check.output, "") << "promtool has findings";
}

ScheduleOptions SystemdSchedule() {
  ScheduleOptions o;
  o.kind = "systemd";
  o.out_dir = "/etc/kiln";
  o.kiln = "/usr/bin/kiln";
  o.reports_dir = "/var/lib/kiln/sweeps";
  return o;
}

TEST(HostileTerminal, Bug27_ScheduleRefusesWhatSystemdCannotCarryAndRelativePaths) {
  // Invalid UTF-8 in a value: systemd refuses the unit while kiln said it wrote it. Exit 2 (InputError) instead.
  for (std::string ScheduleOptions::*field : {&ScheduleOptions::suite, &ScheduleOptions::hosts,
                                             &ScheduleOptions::cluster, &ScheduleOptions::baseline}) {
    ScheduleOptions o = SystemdSchedule();
    o.*field = "/srv/quick\xff\xfe.xml";
    std::string message = InputErrorOf([&] { MakeScheduleFiles(o); });
    EXPECT_NE(message.find("is not UTF-8 text"), std::string::npos) << message;
    EXPECT_EQ(FirstControl(message), std::string::npos);
  }
  // Units run in '/': a relative path there names another file. The command makes paths absolute; the library
  // refuses any that are not.
  for (std::string ScheduleOptions::*field : {&ScheduleOptions::history_db, &ScheduleOptions::hosts,
                                             &ScheduleOptions::sign_key, &ScheduleOptions::chain_dir,
                                             &ScheduleOptions::out_dir, &ScheduleOptions::reports_dir}) {
    ScheduleOptions o = SystemdSchedule();
    o.*field = "relative/file";
    EXPECT_NE(InputErrorOf([&] { MakeScheduleFiles(o); }).find("absolute path"), std::string::npos);
  }
  ScheduleOptions suite_file = SystemdSchedule();
  suite_file.suite = "my-suite.xml";
  EXPECT_NE(InputErrorOf([&] { MakeScheduleFiles(suite_file); }).find("--suite 'my-suite.xml' must be an absolute"),
            std::string::npos);
  ScheduleOptions negative = SystemdSchedule();
  negative.nodes = -5;
  EXPECT_NE(InputErrorOf([&] { MakeScheduleFiles(negative); }).find("--nodes -5"), std::string::npos);
  // A suite by name and UTF-8 text are fine; '%' (a systemd specifier) is written as %%.
  ScheduleOptions fine = SystemdSchedule();
  fine.suite = "quick";
  fine.cluster = "clust\xc3\xa9r 100%";
  fine.hosts = "/etc/kiln/hosts%h";
  std::map<std::string, std::string> files = MakeScheduleFiles(fine);
  EXPECT_NE(files["kiln-sweep.service"].find("Description=Kiln health sweep (quick on /etc/kiln/hosts%%h)"),
            std::string::npos) << files["kiln-sweep.service"];
}

// Runs `body` in a child process with 30 s and 2 GiB at most, expecting it to return 0: a read that blocks or
// never ends fails the test instead of hanging it or exhausting the machine.
[[noreturn]] void RunBounded(const std::function<int()>& body) {
  ::alarm(30);
  rlimit limit{};
  limit.rlim_cur = limit.rlim_max = 2ull << 30;
  ::setrlimit(RLIMIT_AS, &limit);
  std::_Exit(body());
}

void ExpectBounded(const std::function<int()>& body) {
  EXPECT_EXIT(RunBounded(body), ::testing::ExitedWithCode(0), "");
}

TEST(HostileTerminal, Bug31_SysfsAndProcfsReadsAreCappedAndNeverBlock) {
  testing::TempDir root;
  std::string sys = (root.path() / "sys").string(), dmi = sys + "/class/dmi/id";
  std::filesystem::create_directories(dmi);
  std::filesystem::create_symlink("/dev/zero", dmi + "/product_serial");  // never ends
  ASSERT_EQ(::mkfifo((dmi + "/board_serial").c_str(), 0600), 0);         // no writer: an open blocks
  std::filesystem::create_directories(root.path() / "proc");
  ASSERT_EQ(::mkfifo((root.path() / "proc/cpuinfo").c_str(), 0600), 0);
  std::filesystem::create_symlink("/dev/zero", root.path() / "proc/meminfo");
  root.Write("etc/os-release", "PRETTY_NAME=\"" + std::string(1 << 20, 'x') + "\"\n");  // a regular file, 1 MiB
  Environment env;
  env.sysfs_root = sys;
  env.procfs_root = (root.path() / "proc").string();
  env.etc_root = (root.path() / "etc").string();
  ExpectBounded([&] {
    NodeInventory inventory = ReadHostInventory(env);
    bool nothing_read = inventory.system_serial.empty() && inventory.board_serial.empty() &&
                        inventory.cpu_count == 0 && !inventory.memory_bytes;
    return nothing_read && inventory.os.size() <= kMostSystemFileBytes ? 0 : 1;
  });
  // The capped readers themselves: a long regular file gives its first 64 KiB, a device or FIFO nothing.
  std::string big = root.Write("big", std::string(200000, 'y'));
  ExpectBounded([&] {
    if (ReadWholeFile(big).value_or("").size() != kMostSystemFileBytes) return 1;
    if (ReadFirstLine(big).value_or("").size() != kMostSystemFileBytes) return 2;
    if (ReadWholeFile("/dev/zero") || ReadFirstLine(dmi + "/board_serial")) return 3;
    return 0;
  });
  // KILN_KERNEL_LOG=/dev/zero or a FIFO: read up to the kernel's own largest log, or nothing, and go on.
  ExpectBounded([&] {
    std::string error;
    if (ReadKernelLog("/dev/zero", &error).size() > kMostKernelLogBytes + kMostKernelLogBytes / 8) return 1;
    if (!ReadKernelLog(dmi + "/board_serial", &error).empty()) return 2;
    return 0;
  });
  // An XID number too large for an int is not an event (it threw std::out_of_range from the probe).
  EXPECT_TRUE(ParseXidEvents("NVRM: Xid (PCI:0000:18:00): 99999999999999999999, pid=1\n").empty());
  EXPECT_EQ(ParseXidEvents("NVRM: Xid (PCI:0000:18:00): 79, pid=1\n").at(0).xid, 79);
}

}  // namespace
}  // namespace kiln

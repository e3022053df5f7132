// The launcher seam (runners/launchers): each launcher's command lines for one rank per GPU, the choice of a
// launcher, the ranks a node gets by default (its GPUs on the PCI bus), and the Slurm and systemd sweeps that
// carry --gpus-per-node.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>

#include "bisection/launcher.hpp"
#include "core/errors.hpp"
#include "runners/launch_context.hpp"
#include "runners/launchers/launchers.hpp"
#include "sweeps/schedule.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiln {
namespace {

using Words = std::vector<std::string>;

bool Contains(const Words& words, const Words& run) {
  return std::search(words.begin(), words.end(), run.begin(), run.end()) != words.end();
}

TEST(Launchers, MpirunPutsOneRankPerGpuOnEveryHost) {
  Words command = MpirunLauncher().LaunchCommand({"/h", 2, 8, true, {"--mca", "btl", "tcp,self"}});
  Words head(command.begin(), command.begin() + 7);
  EXPECT_EQ(head, (Words{"mpirun", "--hostfile", "/h", "--map-by", "ppr:8:node", "--bind-to", "none"}));
  EXPECT_EQ(Words(command.end() - 3, command.end()), (Words{"--mca", "btl", "tcp,self"}));
  EXPECT_TRUE(Contains(MpirunLauncher().LaunchCommand({"/h", 2, 1, false, {}}), {"--map-by", "ppr:1:node"}));
  EXPECT_EQ(MpirunLauncher().TrialCommand({"/h", 2, 8, true, {}}), MpirunLauncher().LaunchCommand({"/h", 2, 8, true, {}}));
  Words answer = MpirunLauncher().AnswerCommand("10.0.0.9", {"--mca", "x", "y"});
  EXPECT_TRUE(Contains(answer, {"mpirun", "--host", "10.0.0.9", "-np", "1"}));
  EXPECT_EQ(Words(answer.end() - 4, answer.end()), (Words{"--mca", "x", "y", "true"}));
}

TEST(Launchers, SrunAsksOneGpuPerTaskOnlyWhenRanksAreGpus) {
  EXPECT_EQ(SrunLauncher().LaunchCommand({"/h", 4, 8, true, {"--mpi=pmix"}}),
            (Words{"srun", "--nodes", "4", "--ntasks-per-node", "8", "--nodelist", "/h", "--gpus-per-task=1", "--mpi=pmix"}));
  EXPECT_EQ(SrunLauncher().TrialCommand({"/h", 2, 1, false, {"--mpi=pmix"}}),
            (Words{"srun", "--nodes", "2", "--ntasks-per-node", "1", "--nodelist", "/h", "--kill-on-bad-exit=1", "--mpi=pmix"}));
  EXPECT_EQ(SrunLauncher().AnswerCommand("n1", {}), (Words{"srun", "--nodes", "1", "--ntasks", "1", "--nodelist", "n1", "true"}));
}

TEST(Launchers, SrunTrialsNameTheirHostsAsTheJobsInSlurmsNodeOrder) {
  // The step's SLURM_JOB_NODELIST: the trial's hosts in the allocation's order, written so that Slurm expands them
  // in that order (a sorted list would shift the PMIx plugin's node numbers again).
  auto environment = [](const char* allocation, Words hosts) {
    setenv("SLURM_JOB_NODELIST", allocation, 1);
    Words variables = SrunLauncher().TrialEnvironment({"/h", hosts.size(), 1, false, {}, hosts});
    unsetenv("SLURM_JOB_NODELIST");
    return variables;
  };
  EXPECT_EQ(environment("h[1-4]", {"h3", "h2"}), (Words{"SLURM_JOB_NODELIST=h[2-3]", "SLURM_NODELIST=h[2-3]"}));
  EXPECT_EQ(environment("node[007-012],gpu1", {"gpu1", "node010", "node008", "node009", "node012"}),
            (Words{"SLURM_JOB_NODELIST=node[008-010],node012,gpu1", "SLURM_NODELIST=node[008-010],node012,gpu1"}));
  EXPECT_EQ(environment("b9,a[1-2],b10", {"b10", "a2", "b9"}),
            (Words{"SLURM_JOB_NODELIST=b9,a2,b10", "SLURM_NODELIST=b9,a2,b10"}));  // Slurm's order, widths apart
  EXPECT_TRUE(environment("h[1-4]", {"h2", "h9"}).empty());  // not in the allocation: srun says so
  EXPECT_TRUE(environment("h[1-4", {"h2"}).empty());         // not a node list
  EXPECT_TRUE(SrunLauncher().TrialEnvironment({"/h", 1, 1, false, {}, {"h2"}}).empty());  // no allocation
  EXPECT_TRUE(MpirunLauncher().TrialEnvironment({"/h", 1, 1, false, {}, {"h2"}}).empty());
}

TEST(Launchers, TrialCommandsCarryTheRanksPerNode) {
  LauncherOptions options;
  options.kiln_binary = "/bin/kiln";
  options.baseline_path = "b.xml";
  options.hosts = {"a", "b"};
  options.ranks_per_node = 8;
  options.gpu_per_rank = true;
  EXPECT_TRUE(Contains(LaunchingExecutor(options).Command({"a", "b"}, "/t"), {"--map-by", "ppr:8:node"}));
  options.launcher = &SrunLauncher();
  EXPECT_TRUE(Contains(LaunchingExecutor(options).Command({"a", "b"}, "/t"),
                       {"--ntasks-per-node", "8", "--nodelist", "/t/hosts", "--gpus-per-task=1", "--kill-on-bad-exit=1"}));
}

TEST(Launchers, NamedChosenAndDetected) {
  EXPECT_EQ(LauncherNamed("srun").Name(), "srun");
  try {
    LauncherNamed("pbsrun");
    FAIL() << "pbsrun was taken";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("--launcher 'pbsrun' must be one of auto, srun, mpirun"), std::string::npos) << e.what();
  }
  for (const char* name : {"SLURM_JOB_ID", "SLURM_STEP_ID", "SLURM_PROCID", "OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"}) {
    unsetenv(name);
  }
  EXPECT_EQ(ChooseLauncher("auto").Name(), "mpirun");
  EXPECT_EQ(DetectLauncher(), nullptr);
  EXPECT_EQ(LauncherName(DetectLauncher()), "single");
  setenv("SLURM_JOB_ID", "7", 1);
  EXPECT_EQ(ChooseLauncher("auto").Name(), "srun");
  EXPECT_EQ(ChooseLauncher("mpirun").Name(), "mpirun");
  setenv("PMIX_RANK", "0", 1);  // srun --mpi=pmix sets it too: the step variables tell srun's ranks apart
  EXPECT_EQ(LauncherName(DetectLauncher()), "mpirun");
  setenv("SLURM_STEP_ID", "0", 1);
  setenv("SLURM_PROCID", "0", 1);
  EXPECT_EQ(LauncherName(DetectLauncher()), "srun");
  for (const char* name : {"SLURM_JOB_ID", "SLURM_STEP_ID", "SLURM_PROCID", "PMIX_RANK"}) unsetenv(name);
}

TEST(Launchers, RanksPerNodeDefaultToTheGpusOnThePciBus) {
  testing::TempDir sys;
  EXPECT_EQ(ChooseRanksPerNode(0, sys.path().string()).ranks, 1);
  EXPECT_FALSE(ChooseRanksPerNode(0, sys.path().string()).gpu_per_rank);
  for (int i = 0; i < 8; ++i) {
    std::string device = "bus/pci/devices/0000:1" + std::to_string(i) + ":00.0/";
    sys.Write(device + "vendor", "0x10de\n");
    sys.Write(device + "class", "0x030200\n");
  }
  sys.Write("bus/pci/devices/0000:02:00.0/vendor", "0x15b3\n");  // a NIC is no GPU
  sys.Write("bus/pci/devices/0000:02:00.0/class", "0x020700\n");
  RanksPerNode found = ChooseRanksPerNode(0, sys.path().string());
  EXPECT_EQ(found.ranks, 8);
  EXPECT_TRUE(found.gpu_per_rank);
  EXPECT_EQ(ChooseRanksPerNode(4, sys.path().string()).ranks, 4);  // --gpus-per-node wins
}

TEST(Launchers, SweepsRunOneRankPerGpu) {
  ScheduleOptions o;
  o.kind = "slurm";
  o.out_dir = "/etc/kiln";
  o.kiln = "/usr/bin/kiln";
  o.reports_dir = "/var/kiln";
  o.gpus_per_node = 8;
  auto slurm = MakeScheduleFiles(o);
  EXPECT_NE(slurm["kiln-sweep.sbatch"].find("#SBATCH --ntasks-per-node=8\n#SBATCH --gpus-per-task=1\n"), std::string::npos)
      << slurm["kiln-sweep.sbatch"];
  EXPECT_NE(slurm["kiln-sweep.sbatch"].find("srun --mpi=pmix --ntasks-per-node=8 --gpus-per-task=1 '/usr/bin/kiln' run"),
            std::string::npos) << slurm["kiln-sweep.sbatch"];
  EXPECT_NE(slurm["kiln-sweep.scrontab"].find("#SCRON --ntasks-per-node=8\n#SCRON --gpus-per-task=1\n"), std::string::npos);
  o.gpus_per_node = 0;  // no GPU: one task per node, no GPU asked of Slurm
  slurm = MakeScheduleFiles(o);
  EXPECT_NE(slurm["kiln-sweep.sbatch"].find("#SBATCH --ntasks-per-node=1\n#SBATCH --exclusive"), std::string::npos);
  EXPECT_EQ(slurm["kiln-sweep.sbatch"].find("gpus"), std::string::npos);
  o.kind = "systemd";
  o.hosts = "/etc/kiln/hosts";
  o.gpus_per_node = 8;
  auto systemd = MakeScheduleFiles(o);
  EXPECT_NE(systemd["kiln-sweep.sh"].find("--hosts '/etc/kiln/hosts' --gpus-per-node 8"), std::string::npos)
      << systemd["kiln-sweep.sh"];
}

}  // namespace
}  // namespace kiln

// A stand-in for perftest's ib_write_bw / ib_write_lat (built as both), for hosts without RDMA.
// Like the real ones: the server (no host argument) waits for a client on -p's TCP port and prints
// "Waiting for client to connect"; the client connects (no retry) and both print the real table format. Like
// the real ones too, errors go unbuffered to stderr and the rest block-buffered to stdout, so that Kiln has to
// cope with the order a pipe gives them in.
// Its behaviour comes from the environment:
//   FAKE_PERFTEST_DEVICES  devices that "exist" (comma-separated); others fail like perftest does
//   FAKE_PERFTEST_SLOW     NODE:DEVICE entries (NODE from KILN_NODE) that run at 190 Gb/s instead of 392
//   FAKE_PERFTEST_GARBAGE  1: print a truncated table
//   FAKE_PERFTEST_CLIENT_FAILS  1: the client fails before connecting (its server then waits for nobody)

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

bool Listed(const std::string& list, const std::string& item) {
  std::string padded = "," + list + ",";
  return padded.find("," + item + ",") != std::string::npos;
}

int Serve(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 1) != 0) {
    std::fprintf(stderr, " Couldn't listen to port %d\n Unable to open file descriptor for socket connection Unable to init the socket connection\n", port);
    return -1;
  }
  // Like the real server: on stdout, block-buffered when stdout is a pipe (no flush here).
  std::printf("\n************************************\n* Waiting for client to connect... *\n************************************\n");
  int client = ::accept(fd, nullptr, nullptr);  // waits as long as it takes, like the real server
  ::close(fd);
  return client;
}

int Connect(const std::string& host, int port) {
  addrinfo hints{}, *result = nullptr;
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &result) != 0) return -1;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int rc = ::connect(fd, result->ai_addr, result->ai_addrlen);
  ::freeaddrinfo(result);
  if (rc != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  std::string device, host, size = "65536", iterations = "5000";
  int port = 18515;
  bool gbits = false, duration = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-d" && i + 1 < argc) device = argv[++i];
    else if (a == "-p" && i + 1 < argc) port = std::atoi(argv[++i]);
    else if (a == "-s" && i + 1 < argc) size = argv[++i];
    else if (a == "-n" && i + 1 < argc) iterations = argv[++i];
    else if (a == "-D" && i + 1 < argc) { duration = true; ++i; }
    else if (a == "-i" && i + 1 < argc) ++i;
    else if (a == "--report_gbits") gbits = true;
    else if (a[0] != '-') host = a;
  }
  std::printf("---------------------------------------------------------------------------------------\n"
              "                    RDMA_Write %s Test\n Device         : %s\n",
              KILN_FAKE_LATENCY ? "Latency" : "BW", device.c_str());
  if (!Listed(Env("FAKE_PERFTEST_DEVICES"), device)) {
    std::fprintf(stderr, " IB device %s not found\n Unable to find the Infiniband/RoCE device\n", device.c_str());
    return 1;
  }
  if (!host.empty() && Env("FAKE_PERFTEST_CLIENT_FAILS") == "1") {
    std::fprintf(stderr, " Failed to modify QP to RTR\n Unable to Connect the HCA's through the link\n");
    return 1;
  }
  int peer = host.empty() ? Serve(port) : Connect(host, port);
  if (peer < 0) {
    std::fprintf(stderr, " Couldn't connect to %s:%d\nUnable to open file descriptor for socket connection Unable to init the socket connection\n",
                host.c_str(), port);
    return 1;
  }
  // A slow HCA slows the link whichever end it is on: each side tells the other.
  bool slow = Listed(Env("FAKE_PERFTEST_SLOW"), Env("KILN_NODE") + ":" + device);
  char mine = slow ? 's' : 'k', theirs = 'k';
  (void)!::write(peer, &mine, 1);
  (void)!::read(peer, &theirs, 1);
  ::close(peer);
  slow = slow || theirs == 's';
  std::printf("---------------------------------------------------------------------------------------\n");
  if (KILN_FAKE_LATENCY) {
    std::printf(" #bytes #iterations    t_min[usec]    t_max[usec]  t_typical[usec]    t_avg[usec]    t_stdev[usec]   99%% percentile[usec]   99.9%% percentile[usec] \n");
    std::printf(" %s       %s          1.01           3.65         %.2f               1.05           0.05            1.21                   3.65   \n",
                size.c_str(), iterations.c_str(), slow ? 4.8 : 1.04);
  } else {
    double gbps = slow ? 190.0 : 392.5;
    std::printf(" #bytes     #iterations    BW peak[%s]    BW average[%s]   MsgRate[Mpps]\n", gbits ? "Gb/sec" : "MiB/sec",
                gbits ? "Gb/sec" : "MiB/sec");
    double shown = gbits ? gbps : gbps * 1e9 / 8 / 1048576;
    if (Env("FAKE_PERFTEST_GARBAGE") == "1") {
      std::printf(" %s    %s            %.2f\n", size.c_str(), iterations.c_str(), shown);
      return 0;
    }
    std::printf(" %s    %s            %.2f             %.2f            0.005850\n", size.c_str(),
                duration ? "1752345" : iterations.c_str(), duration ? 0.0 : shown * 1.001, shown);
  }
  std::printf("---------------------------------------------------------------------------------------\n");
  return 0;
}

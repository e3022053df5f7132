#include "runners/state_channel.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstring>
#include <random>
#include <sstream>

#include "core/units.hpp"

namespace kiln {
namespace {

// Room for many states between two reads of rank 0 (the kernel caps it at net.core.rmem_max).
constexpr int kReceiveBuffer = 4 << 20;

// Rank 0: a UDP socket on every address, and "TOKEN PORT ADDRESS..." for the others; empty when it cannot.
std::string Listen(int& fd, std::uint64_t token) {
  fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return "";
  sockaddr_in any{};
  any.sin_family = AF_INET;
  any.sin_addr.s_addr = htonl(INADDR_ANY);
  socklen_t length = sizeof any;
  ifaddrs* addresses = nullptr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&any), sizeof any) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&any), &length) != 0 || ::getifaddrs(&addresses) != 0) {
    return "";
  }
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &kReceiveBuffer, sizeof kReceiveBuffer);
  const int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_TIMESTAMP, &on, sizeof on);
  std::string where = fmt::format("{} {}", token, ntohs(any.sin_port));
  for (ifaddrs* a = addresses; a != nullptr; a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET || !(a->ifa_flags & IFF_UP)) continue;
    char text[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr, text, sizeof text);
    where += fmt::format(" {}", text);
  }
  ::freeifaddrs(addresses);
  return where;
}

// When a datagram reached this node, by the kernel's stamp (SO_TIMESTAMP): rank 0 reads only every few seconds, and
// the age of a state must not depend on when. Now, without a stamp.
std::chrono::steady_clock::time_point Arrival(msghdr& message) {
  auto now = std::chrono::steady_clock::now();
  for (cmsghdr* c = CMSG_FIRSTHDR(&message); c != nullptr; c = CMSG_NXTHDR(&message, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMP) continue;
    timeval stamp{};
    std::memcpy(&stamp, CMSG_DATA(c), sizeof stamp);
    auto age = std::chrono::system_clock::now() -
               std::chrono::system_clock::time_point(std::chrono::seconds(stamp.tv_sec) +
                                                     std::chrono::microseconds(stamp.tv_usec));
    if (age > std::chrono::system_clock::duration::zero()) {
      return now - std::chrono::duration_cast<std::chrono::steady_clock::duration>(age);
    }
  }
  return now;
}

}  // namespace

std::unique_ptr<StateChannel> StateChannel::Open(Communicator& world, bool wanted) {
  if (!wanted || world.Size() < 2) return nullptr;
  int fd = -1;
  std::string where;
  if (world.Rank() == 0) {
    std::random_device random;
    std::uint64_t token = (std::uint64_t{random()} << 32) | random();
    where = Listen(fd, token);
    if (where.empty() && fd >= 0) ::close(fd);
  }
  where = world.BroadcastFromRoot(where);
  if (where.empty()) return nullptr;
  std::istringstream in(where);
  std::uint64_t token = 0;
  unsigned port = 0;
  in >> token >> port;
  std::vector<sockaddr_in> rank0;
  for (std::string address; in >> address;) {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<std::uint16_t>(port));
    if (::inet_pton(AF_INET, address.c_str(), &to.sin_addr) == 1) rank0.push_back(to);
  }
  if (world.Rank() != 0) fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  // A rank without a socket sends nothing: rank 0 calls it silent, which is what it is to rank 0.
  return std::unique_ptr<StateChannel>(new StateChannel(fd, token, world.Size(), std::move(rank0)));
}

StateChannel::StateChannel(int fd, std::uint64_t token, int ranks, std::vector<sockaddr_in> rank0)
    : fd_(fd), token_(token), ranks_(ranks), rank0_(std::move(rank0)),
      latest_(static_cast<std::size_t>(ranks)) {}

StateChannel::~StateChannel() {
  if (fd_ >= 0) ::close(fd_);
}

void StateChannel::Send(const RankState& state) const {
  if (fd_ < 0) return;
  const std::string wire = StateToWire(token_, state);
  // Every address rank 0 has: which one reaches it from here is not known; the others lead nowhere (a loopback
  // address reaches this node's own, where nothing with this run's token listens).
  for (const sockaddr_in& to : rank0_) {
    ::sendto(fd_, wire.data(), wire.size(), MSG_DONTWAIT | MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&to),
             sizeof to);
  }
}

void StateChannel::Drain() {
  char buffer[2048];
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timeval))];
  for (;;) {
    iovec data{buffer, sizeof buffer};
    msghdr message{};
    message.msg_iov = &data;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    ssize_t got = ::recvmsg(fd_, &message, MSG_DONTWAIT);
    if (got < 0) return;  // nothing more (or an error: the same to a best-effort channel)
    std::optional<RankState> state = StateFromWire(std::string(buffer, static_cast<std::size_t>(got)), token_, ranks_);
    if (!state || state->rank == 0) continue;
    latest_[static_cast<std::size_t>(state->rank)] = Latest{std::move(*state), Arrival(message)};
  }
}

std::vector<std::optional<HeardState>> StateChannel::Heard() {
  std::lock_guard lock(mutex_);
  if (fd_ >= 0) Drain();
  auto now = std::chrono::steady_clock::now();
  std::vector<std::optional<HeardState>> heard(latest_.size());
  for (std::size_t r = 0; r < latest_.size(); ++r) {
    if (latest_[r]) heard[r] = HeardState{latest_[r]->state, Seconds(now - latest_[r]->at).count()};
  }
  return heard;
}

}  // namespace kiln

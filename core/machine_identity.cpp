#include "core/machine_identity.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <vector>

namespace kiln {

std::optional<std::string> ReadIdentityFile(const std::string& path) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct stat info {};
  std::string text;
  if (::fstat(fd, &info) == 0 && S_ISREG(info.st_mode)) {
    char buffer[kIdentityReadBytes];
    std::size_t filled = 0;
    while (filled < sizeof buffer) {
      ssize_t n = ::read(fd, buffer + filled, sizeof buffer - filled);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      filled += static_cast<std::size_t>(n);
    }
    text.assign(buffer, filled);
  }
  ::close(fd);
  text = text.substr(0, text.find('\n'));
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  while (!text.empty() && blank(text.back())) text.pop_back();
  std::size_t first = 0;
  while (first < text.size() && blank(text[first])) ++first;
  text = text.substr(first, kIdentityValueChars);
  // A report is JSON: no byte that is not valid UTF-8 may reach it, and no control character a terminal obeys.
  for (char& c : text) {
    if (c < 0x20 || c > 0x7e) c = '?';
  }
  if (text.empty()) return std::nullopt;
  return text;
}

MachineIdentity ReadMachineIdentity(const Environment& env) {
  MachineIdentity identity;
  identity.machine_id = ReadIdentityFile(env.etc_root + "/machine-id").value_or("");
  // systemd's placeholder before the first boot completes: the same on every machine, so no identity at all.
  if (identity.machine_id == "uninitialized") identity.machine_id.clear();
  identity.boot_id = ReadIdentityFile(env.procfs_root + "/sys/kernel/random/boot_id").value_or("");
  for (const char* file : {"product_serial", "board_serial"}) {
    identity.serial = ReadIdentityFile(env.sysfs_root + "/class/dmi/id/" + file).value_or("");
    if (!identity.serial.empty()) break;
  }
  return identity;
}

std::string MachineIdentity::Basis() const {
  if (Unknown()) return "nothing readable (no machine-id, boot id or serial): told apart by hostname only";
  std::vector<std::string> parts;
  if (!machine_id.empty()) parts.emplace_back("machine-id");
  if (!boot_id.empty()) parts.emplace_back(machine_id.empty() ? "boot id (no /etc/machine-id)" : "boot id");
  if (!serial.empty()) parts.emplace_back(machine_id.empty() && boot_id.empty() ? "serial (no machine-id, no boot id)"
                                                                                : "serial");
  std::string text;
  for (const std::string& part : parts) text += (text.empty() ? "" : ", ") + part;
  return text;
}

std::string MachineIdentity::Describe() const {
  std::vector<std::string> parts;
  parts.push_back(machine_id.empty() ? "no machine-id" : "machine-id " + machine_id);
  parts.push_back(boot_id.empty() ? "no boot id" : "boot id " + boot_id);
  if (!serial.empty()) parts.push_back("serial " + serial);
  return fmt::format("{}, {}{}", parts[0], parts[1], parts.size() > 2 ? ", " + parts[2] : "");
}

void to_json(nlohmann::json& j, const MachineIdentity& identity) {
  j = nlohmann::json::object();
  if (!identity.machine_id.empty()) j["machine_id"] = identity.machine_id;
  if (!identity.boot_id.empty()) j["boot_id"] = identity.boot_id;
  if (!identity.serial.empty()) j["serial"] = identity.serial;
  j["basis"] = identity.Basis();
}

void from_json(const nlohmann::json& j, MachineIdentity& identity) {
  identity.machine_id = j.value("machine_id", "");
  identity.boot_id = j.value("boot_id", "");
  identity.serial = j.value("serial", "");
}

}  // namespace kiln

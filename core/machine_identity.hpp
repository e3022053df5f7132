#pragma once
// What tells one machine from another when their hostnames do not: plain mpirun and srun name a rank's node by
// its hostname, and two machines may answer to one.

#include <nlohmann/json_fwd.hpp>

#include <cstddef>
#include <optional>
#include <string>

#include "core/probe.hpp"

namespace kiln {

struct MachineIdentity {
  std::string machine_id;  // /etc/machine-id; empty when it cannot be read
  std::string boot_id;     // the kernel's random boot id: differs between machines, also cloned ones
  std::string serial;      // DMI product serial, else board serial; empty where unreadable (often root only)

  // Nothing could be read: the machine cannot be told from another of its hostname.
  bool Unknown() const { return machine_id.empty() && boot_id.empty() && serial.empty(); }
  // What tells this machine apart, for people: "machine-id, boot id", "boot id (no /etc/machine-id)", ...
  std::string Basis() const;
  // "machine-id 3d12..., boot id 7fd2..., serial X": every field read, in full.
  std::string Describe() const;
  // Two ranks are on one machine only when every field is the same (a field unread on both counts as the same).
  friend bool operator==(const MachineIdentity&, const MachineIdentity&) = default;
};

// The longest identity file read (a product_serial pointing at /dev/zero must not eat memory), and the longest
// value kept from it.
inline constexpr std::size_t kIdentityReadBytes = 4096;
inline constexpr std::size_t kIdentityValueChars = 128;

// This machine's identity, from the files under env.etc_root, env.procfs_root and env.sysfs_root.
MachineIdentity ReadMachineIdentity(const Environment& env);

// The first line of a small regular file, trimmed, cut to kIdentityValueChars, bytes outside printable ASCII
// as '?'; nullopt when it cannot be read, is not a regular file (a FIFO, a device) or is empty. Reads at most
// kIdentityReadBytes and never blocks on a FIFO.
std::optional<std::string> ReadIdentityFile(const std::string& path);

// {"machine_id", "boot_id", "serial", "basis"}: empty fields left out; "basis" is written, never read back.
void to_json(nlohmann::json& j, const MachineIdentity& identity);
void from_json(const nlohmann::json& j, MachineIdentity& identity);

}  // namespace kiln

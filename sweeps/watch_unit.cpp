#include "sweeps/watch_unit.hpp"

#include <fmt/format.h>

#include <optional>

#include "core/errors.hpp"
#include "core/units.hpp"
#include "reports/printable.hpp"
#include "sweeps/schedule.hpp"

namespace kiln {
namespace {

// What kiln watch --interval takes, in characters a unit file reads as they are ("60s", "500ms", "1.5m").
void RequireInterval(const std::string& interval) {
  std::optional<Seconds> parsed = ParseDuration(interval);
  bool plain = !interval.empty();
  for (char c : interval) plain = plain && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '.');
  if (!plain || !parsed || parsed->count() < 0.01) {
    throw InputError(fmt::format("--watch-interval '{}' is not a duration of at least 10ms (e.g. 1s, 60s, 5m)",
                                 Printable(interval)));
  }
}

// Where the sandbox lets it write: a folder under /var/lib is systemd's to make (StateDirectory); another must
// exist on the node (ReadWritePaths= refuses to start the unit otherwise).
std::string WritableFolder(const std::string& folder) {
  const std::string state = "/var/lib/";
  if (folder.rfind(state, 0) == 0 && folder.size() > state.size() && folder.find("/..") == std::string::npos) {
    return "StateDirectory=" + folder.substr(state.size()) + "\n";
  }
  return "ReadWritePaths=" + folder + "\n";
}

}  // namespace

std::string MakeWatchUnit(const WatchUnitOptions& o, const std::string& generated) {
  RequirePlainPath(o.out_dir, "--watch-out");
  RequirePlainPath(o.kiln, "--kiln");
  RequireInterval(o.interval);
  return fmt::format(
      "# {}\n"
      "[Unit]\n"
      "Description=Kiln watch: GPU and InfiniBand error counters for kiln predict\n"
      "After=nvidia-persistenced.service\n"
      "\n"
      "[Service]\n"
      "Type=simple\n"
      "ExecStart={} watch --out {} --interval {}\n"
      "# SIGTERM ends it between readings. Exit 3: a write failed (a full disk); it went on and retried meanwhile.\n"
      "Restart=on-failure\n"
      "RestartSec=30s\n"
      "{}"
      "# A sandbox that still reads /sys and opens /dev/nvidia* (no PrivateDevices=, DevicePolicy= left open).\n"
      "NoNewPrivileges=yes\n"
      "ProtectSystem=strict\n"
      "ProtectHome=read-only\n"
      "PrivateTmp=yes\n"
      "ProtectKernelTunables=yes\n"
      "ProtectKernelModules=yes\n"
      "ProtectKernelLogs=yes\n"
      "ProtectControlGroups=yes\n"
      "RestrictNamespaces=yes\n"
      "RestrictRealtime=yes\n"
      "RestrictSUIDSGID=yes\n"
      "LockPersonality=yes\n"
      "SystemCallArchitectures=native\n"
      "# Measured at a few MB and well under 0.01 of a core (docs/predict.md): a leak or a spin is stopped early.\n"
      "MemoryMax=256M\n"
      "CPUQuota=10%\n"
      "Nice=10\n"
      "\n"
      "[Install]\n"
      "WantedBy=multi-user.target\n",
      generated, o.kiln, o.out_dir, o.interval, WritableFolder(o.out_dir));
}

}  // namespace kiln

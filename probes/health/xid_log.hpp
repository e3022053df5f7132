#pragma once
// XID events from the kernel log: "NVRM: Xid (PCI:0000:18:00): 79, pid=1234, GPU has fallen off the bus."

#include <string>
#include <vector>

namespace kiln {

struct XidEvent {
  std::string pci;  // "0000:18:00"
  int xid = 0;
  std::string line;
};

std::vector<XidEvent> ParseXidEvents(const std::string& kernel_log);

// Reads the kernel log at `path` without blocking (/dev/kmsg returns EAGAIN at its end; a file just ends).
// nullopt-like empty string with `error` set when it cannot be read (no permission, no such file).
std::string ReadKernelLog(const std::string& path, std::string* error);

}  // namespace kiln

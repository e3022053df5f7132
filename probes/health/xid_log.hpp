#pragma once
// XID events from the kernel log: "NVRM: Xid (PCI:0000:18:00): 79, pid=1234, GPU has fallen off the bus."

#include <cstddef>
#include <string>
#include <vector>

namespace kiln {

struct XidEvent {
  std::string pci;  // "0000:18:00"
  int xid = 0;
  std::string line;
};

std::vector<XidEvent> ParseXidEvents(const std::string& kernel_log);

// The most of a kernel log read: the kernel's own ring buffer holds at most 32 MiB (CONFIG_LOG_BUF_SHIFT=25).
inline constexpr std::size_t kMostKernelLogBytes = 32u << 20;

// Reads the kernel log at `path` without blocking (/dev/kmsg returns EAGAIN at its end; a file just ends; a FIFO
// without a writer reads as empty) and no more than kMostKernelLogBytes (a path such as /dev/zero never ends).
// Empty with `error` set when it cannot be read (no permission, no such file).
std::string ReadKernelLog(const std::string& path, std::string* error);

}  // namespace kiln

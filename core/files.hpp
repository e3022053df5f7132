#pragma once
// File helpers: atomic writes (an unpredictable temporary file created exclusively, fsync, rename), outputs named
// on the command line, and content hashes.

#include <sys/types.h>

#include <cstddef>
#include <string>
#include <vector>

namespace kiln {

// A new file written and synced beside `path` under an unpredictable name (created with O_EXCL, so a planted
// file or link at that name is never followed or reused), then Commit() renames it over `path`; a PendingFile
// never committed is removed. `mode` is masked by the umask. Throws RunError naming the path on failure.
class PendingFile {
 public:
  PendingFile(const std::string& path, const std::string& content, mode_t mode = 0644);
  ~PendingFile();
  PendingFile(const PendingFile&) = delete;
  PendingFile& operator=(const PendingFile&) = delete;

  // The temporary file, whole and synced: check it here before Commit().
  const std::string& temp_path() const { return temp_; }
  // Renames it over the target (replacing a file or link there, never writing through one) and syncs the folder.
  void Commit();
  // Links it to the target only when nothing is there (not even a dangling link); throws RunError otherwise.
  void CommitExclusively();

 private:
  std::string path_, temp_;
  bool done_ = false;
};

// Writes `content` so that readers see the old file or the new one, never a torn one (a PendingFile committed).
void WriteFileAtomically(const std::string& path, const std::string& content, mode_t mode = 0644);

// Creates `path` with `content` and `mode` from its first byte (a secret key is never readable by others, not
// even for a moment), whole or not at all; refuses (RunError) when anything is at `path` already.
void CreateFileExclusively(const std::string& path, const std::string& content, mode_t mode);

// An output file named on the command line (`-o FILE`). A regular file, or nothing, is replaced atomically. A
// device, FIFO or socket, or a symlink, is written through as a shell redirect would (`-o /dev/stdout` prints,
// `-o /dev/null` discards) and never replaced by a regular file; a folder or a dangling link is refused
// (InputError). Throws RunError on I/O failure.
void WriteOutputFile(const std::string& path, const std::string& content);
// Whether WriteOutputFile writes through `path` (it exists and is not a plain regular file).
bool WritesThrough(const std::string& path);

// Refuses (InputError) when `output` is the same file as one of `inputs`, by device and inode (a hard link, a
// symlink or another spelling of the input's name is still the input). `option` names the output's option.
void RefuseOverwritingInput(const std::string& output, const std::vector<std::string>& inputs, const char* option);

// Appends `line` and a newline in one write, then fsyncs (unless `sync` is false): once it returns, the line
// survives a crash. Never follows a symlink at `path` (a planted link cannot redirect the write). Throws RunError
// naming the path on failure.
void AppendLineDurably(const std::string& path, const std::string& line, bool sync = true);

// A file name for any node name, however hostile ("../../tmp/x", "a/b", control characters, ""): letters,
// digits, '-', '_' and '.' (not first) stay; every other byte becomes %XX, so distinct names stay distinct and
// "." or ".." cannot appear; very long names are cut and end in a hash of the whole name.
std::string SafeFileName(const std::string& name);

// The largest input file Kiln reads (suites, baselines, reports, keys, hostfiles): 512 MiB. A report of a
// 65,536-node bisection is under 100 MB; /dev/zero given as a suite must not eat the machine's memory.
inline constexpr std::size_t kMaxInputBytes = std::size_t{512} << 20;

// Reads a whole file; throws InputError naming the path when it cannot, or when it holds more than `max_bytes`.
std::string ReadFile(const std::string& path, std::size_t max_bytes = kMaxInputBytes);

// Reads a whole regular file from one descriptor: opened without blocking (a FIFO cannot hang Kiln) and, unless
// `follow_links`, without following a symlink; anything but a regular file is refused. Throws InputError.
std::string ReadRegularFile(const std::string& path, std::size_t max_bytes = kMaxInputBytes, bool follow_links = true);

// Creates the directory and its parents; throws RunError naming it on failure.
void MakeDirectories(const std::string& path);

// Lowercase hex SHA-256 (libsodium).
std::string Sha256Hex(const std::string& data);

}  // namespace kiln

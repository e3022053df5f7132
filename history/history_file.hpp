#pragma once
// What a history path holds, found without SQLite and before it touches the file: SQLite would follow a link to
// /dev/null and create /dev/null-journal beside it, and would open anybody's database for writing.

#include <cstdint>
#include <string>

namespace kiln {

// The SQLite header's application_id of every history Kiln creates ("KILN"); older histories have 0.
inline constexpr std::uint32_t kKilnApplicationId = 0x4B494C4E;

struct HistoryFileHeader {
  enum class Kind { kAbsent, kEmpty, kSqlite };
  Kind kind = Kind::kAbsent;
  std::uint32_t application_id = 0;  // kSqlite: as the main file's header says (0: none)
};

// Throws InputError naming the path when it is empty, a symlink to nothing, not a regular file (a device, a
// FIFO, a folder), or a non-empty file that is not an SQLite database or whose header names another
// application; RunError when it exists but cannot be read.
HistoryFileHeader InspectHistoryFile(const std::string& path);

// The path as SQLite must be given it to open that file and nothing else: ":memory:" and "" would be
// databases in memory, so a relative path gets "./" in front.
std::string SqliteFilePath(const std::string& path);

// A read-only URI for SQLite ("file:///abs/path?mode=ro", percent-encoded). `immutable`: read the main file
// without locks or a -shm file, for a history in a folder the reader cannot write.
std::string SqliteReadOnlyUri(const std::string& path, bool immutable);

}  // namespace kiln

#pragma once
// Kiln's tables in a history file: recognised before anything is written, created once, by one writer, inside
// its write transaction; changed only when the file's user_version or its missing marker says so.

#include <cstdint>
#include <string>

struct sqlite3;

namespace kiln {

inline constexpr std::int64_t kHistorySchemaVersion = 1;

struct HistorySchemaState {
  enum class Content {
    kNew,      // no tables, user_version 0: a file being created (by this process or another)
    kKiln,     // Kiln's tables at a version this Kiln reads
    kForeign,  // anything else: refused, nothing written
  };
  Content content = Content::kNew;
  bool marked = false;  // application_id is Kiln's (histories made before it was set have 0)
  std::string why;      // kForeign: what gave it away
};

// Reads the database's application_id, user_version and tables. Throws InputError for a Kiln history of a
// version this Kiln does not read; RunError when SQLite cannot read the file.
HistorySchemaState ReadHistorySchema(sqlite3* db, const std::string& path);

// Creates the tables, the marker and the version. The caller holds the write transaction.
void CreateHistorySchema(sqlite3* db, const std::string& path);
// Sets Kiln's application_id on a history made before it was set. The caller holds the write transaction.
void MarkHistory(sqlite3* db, const std::string& path);

}  // namespace kiln

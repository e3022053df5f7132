#include "probes/ib_link/perftest_output.hpp"

#include <fmt/format.h>

#include <array>
#include <map>
#include <regex>
#include <sstream>

namespace kiln::perftest {
namespace {

struct Column {
  std::string name;  // "BW average", "#bytes", "99% percentile"
  std::string unit;  // "Gb/sec", "usec", "" for counts
};

struct Table {
  std::vector<Column> columns;
  std::vector<std::vector<double>> rows;
};

// Lines perftest prints when it fails, and what they mean.
constexpr std::array<std::pair<const char*, const char*>, 9> kErrors{{
    {"Did not detect devices", "no RDMA device on this host"},
    {"Unable to find the Infiniband/RoCE device", "the RDMA device was not found"},
    {"not found", "the RDMA device was not found"},
    {"Couldn't connect to", "could not connect to the server"},
    {"Unable to init the socket connection", "could not connect to the server"},
    {"Failed to exchange data between server and clients", "the peer went away during setup"},
    {"Couldn't get device attributes", "the RDMA device did not answer"},
    {"Port number", "the IB port is not usable"},
    {"Unable to open file", "cannot open a file perftest needed"},
}};

bool IsHeader(const std::string& line) { return line.find("#bytes") != std::string::npos; }

std::vector<Column> ParseHeader(const std::string& line) {
  static const std::regex kName(R"((#\w+|[^\s#\[\]][^\[\]]*?\[[^\]]*\]))");
  std::vector<Column> columns;
  for (auto it = std::sregex_iterator(line.begin(), line.end(), kName); it != std::sregex_iterator(); ++it) {
    std::string token = it->str();
    Column c;
    auto open = token.find('[');
    if (open == std::string::npos) {
      c.name = token;
    } else {
      c.name = token.substr(0, open);
      c.unit = token.substr(open + 1, token.size() - open - 2);
    }
    while (!c.name.empty() && c.name.back() == ' ') c.name.pop_back();
    columns.push_back(std::move(c));
  }
  return columns;
}

Table ParseTable(const std::string& output) {
  std::istringstream lines(output);
  std::string line;
  Table table;
  bool in_table = false;
  int row_number = 0;
  while (std::getline(lines, line)) {
    if (!in_table) {
      if (IsHeader(line)) {
        table.columns = ParseHeader(line);
        in_table = true;
      }
      continue;
    }
    std::istringstream fields(line);
    std::string first;
    if (!(fields >> first)) continue;
    if (first.find("---") == 0) break;  // the closing frame
    if (!std::isdigit(static_cast<unsigned char>(first[0]))) continue;  // warnings between rows
    ++row_number;
    std::vector<double> values;
    std::istringstream all(line);
    for (std::string word; all >> word;) {
      try {
        values.push_back(std::stod(word));
      } catch (const std::exception&) {
        throw OutputError(fmt::format("result row {} has a value that is not a number: '{}'", row_number, word));
      }
    }
    if (values.size() != table.columns.size()) {
      throw OutputError(fmt::format("result row {} has {} values for {} columns (truncated output?)", row_number,
                                    values.size(), table.columns.size()));
    }
    table.rows.push_back(std::move(values));
  }
  return table;
}

// perftest's own complaint, if the output holds one.
std::optional<std::string> ErrorIn(const std::string& output) {
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    for (const auto& [text, meaning] : kErrors) {
      if (line.find(text) != std::string::npos) {
        std::string trimmed = line.substr(line.find_first_not_of(' '));
        return fmt::format("{}: \"{}\"", meaning, trimmed);
      }
    }
  }
  return std::nullopt;
}

Table Checked(const std::string& output) {
  Table table = ParseTable(output);
  if (table.columns.empty()) {
    if (auto error = ErrorIn(output)) throw OutputError(*error);
    throw OutputError("no result table in the output (no '#bytes' header)");
  }
  if (table.rows.empty()) {
    if (auto error = ErrorIn(output)) throw OutputError(*error);
    throw OutputError("the result table has no rows (truncated output)");
  }
  return table;
}

int Find(const Table& t, const std::string& name, bool required) {
  for (std::size_t i = 0; i < t.columns.size(); ++i) {
    if (t.columns[i].name == name) return static_cast<int>(i);
  }
  if (required) throw OutputError(fmt::format("the result table has no '{}' column", name));
  return -1;
}

}  // namespace

double ToGbps(double value, const std::string& unit) {
  if (unit == "Gb/sec") return value;
  if (unit == "MB/sec" || unit == "MiB/sec") return value * 1048576.0 * 8.0 / 1e9;
  throw OutputError(fmt::format("unknown bandwidth unit '{}'", unit));
}

std::vector<BwRow> ParseBw(const std::string& output) {
  Table t = Checked(output);
  int bytes = Find(t, "#bytes", true), iterations = Find(t, "#iterations", true);
  int average = Find(t, "BW average", true), peak = Find(t, "BW peak", false), rate = Find(t, "MsgRate", false);
  std::vector<BwRow> rows;
  for (const auto& v : t.rows) {
    BwRow row;
    row.bytes = static_cast<std::uint64_t>(v[static_cast<std::size_t>(bytes)]);
    row.iterations = static_cast<std::uint64_t>(v[static_cast<std::size_t>(iterations)]);
    row.average_gbps = ToGbps(v[static_cast<std::size_t>(average)], t.columns[static_cast<std::size_t>(average)].unit);
    if (peak >= 0 && v[static_cast<std::size_t>(peak)] > 0) {
      row.peak_gbps = ToGbps(v[static_cast<std::size_t>(peak)], t.columns[static_cast<std::size_t>(peak)].unit);
    }
    if (rate >= 0) row.message_rate_mpps = v[static_cast<std::size_t>(rate)];
    rows.push_back(row);
  }
  return rows;
}

std::vector<LatRow> ParseLat(const std::string& output) {
  Table t = Checked(output);
  auto at = [&](const std::vector<double>& v, int i) { return v[static_cast<std::size_t>(i)]; };
  int bytes = Find(t, "#bytes", true), iterations = Find(t, "#iterations", true);
  int min = Find(t, "t_min", true), max = Find(t, "t_max", true), typical = Find(t, "t_typical", true);
  int average = Find(t, "t_avg", false), stdev = Find(t, "t_stdev", false);
  int p99 = Find(t, "99% percentile", false), p999 = Find(t, "99.9% percentile", false);
  std::vector<LatRow> rows;
  for (const auto& v : t.rows) {
    LatRow row;
    row.bytes = static_cast<std::uint64_t>(at(v, bytes));
    row.iterations = static_cast<std::uint64_t>(at(v, iterations));
    row.min_us = at(v, min);
    row.max_us = at(v, max);
    row.typical_us = at(v, typical);
    if (average >= 0) row.average_us = at(v, average);
    if (stdev >= 0) row.stdev_us = at(v, stdev);
    if (p99 >= 0) row.p99_us = at(v, p99);
    if (p999 >= 0) row.p999_us = at(v, p999);
    rows.push_back(row);
  }
  return rows;
}

}  // namespace kiln::perftest

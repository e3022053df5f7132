// Prints "size_bytes median" for one metric of a report.json: a helper for the comparison scripts.

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/units.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: report_metric REPORT.json METRIC\n");
    return 2;
  }
  std::ifstream in(argv[1]);
  if (!in) {
    std::fprintf(stderr, "report_metric: cannot read %s\n", argv[1]);
    return 2;
  }
  nlohmann::json report = nlohmann::json::parse(in);
  for (const auto& m : report["measurements"]) {
    if (m["metric"] != argv[2]) continue;
    std::string size = m["labels"].value("size", "0B");
    std::printf("%llu %.4f\n", static_cast<unsigned long long>(kiln::ParseBytes(size).value_or(0)),
                m["summary"]["median"].get<double>());
  }
  return 0;
}

#include <fmt/format.h>
#include <sodium.h>
#include <sys/stat.h>

#include <array>
#include <cstring>
#include <optional>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "reports/renderers.hpp"
#include "reports/report.hpp"
#include "reports/signing.hpp"
#include "reports/terminal_summary.hpp"

namespace kiln {
namespace {

// The key id of a minisign signature file (its second line: algorithm, key id, signature, in base64), or
// nullopt when the file is not one.
std::optional<std::string> SignatureKeyId(const std::string& text) {
  std::size_t start = text.find('\n');
  if (start == std::string::npos) return std::nullopt;
  std::size_t end = text.find('\n', start + 1);
  std::string line = text.substr(start + 1, end == std::string::npos ? std::string::npos : end - start - 1);
  std::array<unsigned char, 74> bytes{};
  std::size_t length = 0;
  if (sodium_base642bin(bytes.data(), bytes.size(), line.data(), line.size(), nullptr, &length, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0 || length != bytes.size()) {
    return std::nullopt;
  }
  std::array<unsigned char, 8> key_id{};
  std::memcpy(key_id.data(), bytes.data() + 2, key_id.size());
  return KeyIdHex(key_id);
}

}  // namespace

nlohmann::json AsStored(nlohmann::json report, const std::string& report_path) {
  report["summary"] = SummaryOf(report);
  const std::string signature_path = report_path + ".minisig";
  struct stat info{};
  std::optional<std::string> key_id;
  bool present = ::lstat(signature_path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
  if (present) key_id = SignatureKeyId(ReadFile(signature_path, 4096));
  if (key_id) {
    report["signature"] = {{"signed", true}, {"key_id", *key_id}, {"file", signature_path},
                           {"note", "a signature file is beside this report; `kiln verify` checks it"}};
  } else {
    report["signature"] = {{"signed", false},
                           {"note", present ? fmt::format("{} is not a minisign signature", signature_path)
                                            : "no signature file beside this report"}};
  }
  return report;
}

std::string Render(const nlohmann::json& report, const std::string& format) {
  if (format == "html") return RenderHtml(report);
  if (format == "junit") return RenderJunit(report);
  if (format == "prom") return RenderPrometheus(report);
  if (format == "md") return RenderMarkdown(report);
  if (format == "text") return RenderTerminalSummary(report);
  if (format == "json") return report.dump(2) + "\n";
  throw InputError(fmt::format("unknown report format '{}' (html, junit, prom, md, text, json)", format));
}

}  // namespace kiln

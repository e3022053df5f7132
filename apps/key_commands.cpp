// `kiln keygen`, `kiln sign` and `kiln verify`: Ed25519 keys and signatures in minisign's formats.

#include <fmt/format.h>

#include "apps/command.hpp"
#include "core/errors.hpp"
#include "core/files.hpp"
#include "reports/chain.hpp"
#include "reports/report.hpp"
#include "reports/signing.hpp"

namespace kiln {
namespace {

int Sign(const std::string& key_path, const std::string& report_path) {
  KeyPair keys = LoadSecretKey(key_path);
  nlohmann::json report = LoadReport(report_path);
  std::string content = ReadFile(report_path);
  WriteFileAtomically(report_path + ".minisig", SignatureFileText(keys, content, ReportIdentity(report, content)));
  fmt::print("kiln: signed {} with key {} -> {}.minisig\n", report_path, KeyIdHex(keys.key_id), report_path);
  return 0;
}

int Verify(const std::string& pubkey_path, const std::string& report_path, std::string signature_path) {
  KeyPair keys = LoadPublicKey(pubkey_path);
  std::string content = ReadFile(report_path);
  if (signature_path.empty()) signature_path = report_path + ".minisig";
  VerifyResult result = VerifyReportSignature(keys, content, ReadFile(signature_path));
  if (!result.ok) {
    fmt::print(stderr, "kiln: {}: NOT VERIFIED: {} (signature {})\n", report_path, result.message, signature_path);
    return kExitFailed;
  }
  fmt::print("kiln: {}: verified with key {}\nkiln: trusted comment: {}\n", report_path, KeyIdHex(keys.key_id),
             result.trusted_comment);
  return 0;
}

int VerifyChainCommand(const std::string& pubkey_path, const std::string& dir, const std::string& head) {
  ChainCheck check = VerifyChain(dir, LoadPublicKey(pubkey_path), head);
  for (const std::string& line : check.lines) fmt::print("{}\n", line);
  if (!check.ok) {
    fmt::print(stderr, "kiln: chain {} NOT VERIFIED: {}\n", dir, check.problem);
    return kExitFailed;
  }
  fmt::print("kiln: chain {} verified: {} report(s), each signed and linked to the one before\n", dir, check.reports);
  // Deleting the newest reports leaves a shorter chain that verifies: only a head recorded elsewhere shows it.
  fmt::print("kiln: head: {}; record its SHA-256 and pass it as --head next time\n", check.head);
  return 0;
}

struct VerifyArgs {
  std::string key, report, signature, chain, head;
};

}  // namespace

Command AddKeygenCommand(CLI::App& app) {
  auto dir = std::make_shared<std::string>();
  CLI::App* keygen = app.add_subcommand("keygen", "make an Ed25519 key pair (minisign format): DIR/kiln.key, DIR/kiln.pub");
  keygen->add_option("--out", *dir, "folder for the key pair")->required();
  return {keygen, [dir] {
            RequireOutFolder(*dir);
            WriteKeyPair(*dir);
            fmt::print("kiln: wrote {0}/kiln.key (secret, mode 0600) and {0}/kiln.pub (give this one to customers)\n",
                       *dir);
            return 0;
          }};
}

Command AddSignCommand(CLI::App& app) {
  auto key = std::make_shared<std::string>(), report = std::make_shared<std::string>();
  CLI::App* sign = app.add_subcommand("sign", "sign a report: writes REPORT.json.minisig");
  sign->add_option("--key", *key, "secret key file")->required();
  sign->add_option("report", *report, "report.json")->required();
  return {sign, [key, report] { return Sign(*key, *report); }};
}

Command AddVerifyCommand(CLI::App& app) {
  auto args = std::make_shared<VerifyArgs>();
  CLI::App* verify = app.add_subcommand("verify", "check a report's signature, or a whole chain (exit 0 verified, 1 not)");
  verify->add_option("--pubkey", args->key, "public key file")->required();
  verify->add_option("--signature", args->signature, "signature file (default: REPORT.minisig)");
  verify->add_option("--chain", args->chain, "folder of a cluster's reports: check every signature and link");
  verify->add_option("--head", args->head,
                     "with --chain: the SHA-256 of the head an earlier check printed; it must still be in the chain");
  verify->add_option("report", args->report, "report.json");
  return {verify, [args] {
            if (!args->chain.empty()) return VerifyChainCommand(args->key, args->chain, args->head);
            if (!args->head.empty()) throw InputError("--head needs --chain DIR");
            if (args->report.empty()) throw InputError("kiln verify needs a report.json or --chain DIR");
            return Verify(args->key, args->report, args->signature);
          }};
}

}  // namespace kiln

#pragma once
// Ed25519 signatures in minisign's file formats (libsodium), so that a customer can check a report with the
// stock `minisign -V -p kiln.pub -m report.json` as well as with `kiln verify`.

#include <array>
#include <cstdint>
#include <string>

namespace kiln {

struct KeyPair {
  std::array<unsigned char, 8> key_id{};
  std::array<unsigned char, 32> public_key{};
  std::array<unsigned char, 64> secret_key{};
};

// minisign prints a key id as the 8 bytes read little-endian, in upper-case hex.
std::string KeyIdHex(const std::array<unsigned char, 8>& key_id);

KeyPair GenerateKeyPair();
// The text of minisign's unencrypted secret key file (as `minisign -G -W` writes) and public key file.
std::string SecretKeyFileText(const KeyPair& keys);
std::string PublicKeyFileText(const KeyPair& keys);

// `kiln keygen`: writes DIR/kiln.key (mode 0600) and DIR/kiln.pub; refuses to overwrite. Throws RunError.
void WriteKeyPair(const std::string& dir);

// Reads a secret key file; refuses one readable by group or others, an encrypted one (password-protected
// minisign keys are not supported) and a corrupt one. Throws InputError naming the file.
KeyPair LoadSecretKey(const std::string& path);
// Throws InputError naming the file when it is not a minisign public key.
KeyPair LoadPublicKey(const std::string& path);

// The text of a .minisig file for `content` (prehashed "ED" signature, BLAKE2b-512).
// `trusted_comment` must be one line.
std::string SignatureFileText(const KeyPair& keys, const std::string& content, const std::string& trusted_comment);

struct VerifyResult {
  bool ok = false;
  std::string message;          // what was wrong, or "signature and trusted comment verified"
  std::string trusted_comment;  // as signed
};
// Checks `signature_text` (a .minisig file) over `content` with `public_key`; names the reason on failure.
VerifyResult VerifySignature(const KeyPair& public_key, const std::string& content, const std::string& signature_text);

}  // namespace kiln

#include "reports/signing.hpp"

#include <fmt/format.h>
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <optional>
#include <sstream>
#include <vector>

#include "core/errors.hpp"
#include "core/files.hpp"

namespace kiln {
namespace {

constexpr char kSignatureAlgorithm[] = "Ed";
constexpr char kPrehashedAlgorithm[] = "ED";
constexpr char kChecksumAlgorithm[] = "B2";
constexpr std::size_t kSecretKeyBytes = 2 + 2 + 2 + 32 + 8 + 8 + 8 + 64 + 32;  // 158
constexpr std::size_t kPublicKeyBytes = 2 + 8 + 32;
constexpr std::size_t kSignatureBytes = 2 + 8 + 64;

std::string ToBase64(const unsigned char* data, std::size_t size) {
  std::string text(sodium_base64_encoded_len(size, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(text.data(), text.size(), data, size, sodium_base64_VARIANT_ORIGINAL);
  text.resize(std::strlen(text.c_str()));
  return text;
}

// Decodes one base64 line; nullopt unless it decodes to exactly `expected` bytes.
std::optional<std::vector<unsigned char>> FromBase64(const std::string& text, std::size_t expected) {
  std::vector<unsigned char> bytes(expected + 8);
  std::size_t length = 0;
  if (sodium_base642bin(bytes.data(), bytes.size(), text.data(), text.size(), " \r", &length, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      length != expected) {
    return std::nullopt;
  }
  bytes.resize(length);
  return bytes;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

std::array<unsigned char, 32> SecretKeyChecksum(const KeyPair& keys) {
  std::array<unsigned char, 32> checksum{};
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, checksum.size());
  crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(kSignatureAlgorithm), 2);
  crypto_generichash_update(&state, keys.key_id.data(), keys.key_id.size());
  crypto_generichash_update(&state, keys.secret_key.data(), keys.secret_key.size());
  crypto_generichash_final(&state, checksum.data(), checksum.size());
  return checksum;
}

std::array<unsigned char, 64> Blake2b512(const std::string& content) {
  std::array<unsigned char, 64> hash{};
  crypto_generichash(hash.data(), hash.size(), reinterpret_cast<const unsigned char*>(content.data()), content.size(),
                     nullptr, 0);
  return hash;
}

}  // namespace

std::string KeyIdHex(const std::array<unsigned char, 8>& key_id) {
  std::uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | key_id[static_cast<std::size_t>(i)];
  return fmt::format("{:016X}", value);
}

KeyPair GenerateKeyPair() {
  KeyPair keys;
  crypto_sign_keypair(keys.public_key.data(), keys.secret_key.data());
  randombytes_buf(keys.key_id.data(), keys.key_id.size());
  return keys;
}

std::string SecretKeyFileText(const KeyPair& keys) {
  // sig_alg, kdf_alg (none), chk_alg, kdf salt/opslimit/memlimit (unused without a KDF), key id, key, checksum.
  std::array<unsigned char, kSecretKeyBytes> bytes{};
  std::memcpy(bytes.data(), kSignatureAlgorithm, 2);
  std::memcpy(bytes.data() + 4, kChecksumAlgorithm, 2);
  unsigned char* keynum = bytes.data() + 2 + 2 + 2 + 32 + 8 + 8;
  std::memcpy(keynum, keys.key_id.data(), 8);
  std::memcpy(keynum + 8, keys.secret_key.data(), 64);
  auto checksum = SecretKeyChecksum(keys);
  std::memcpy(keynum + 8 + 64, checksum.data(), checksum.size());
  std::string text = fmt::format("untrusted comment: minisign secret key {}\n{}\n", KeyIdHex(keys.key_id),
                                 ToBase64(bytes.data(), bytes.size()));
  sodium_memzero(bytes.data(), bytes.size());
  return text;
}

std::string PublicKeyFileText(const KeyPair& keys) {
  std::array<unsigned char, kPublicKeyBytes> bytes{};
  std::memcpy(bytes.data(), kSignatureAlgorithm, 2);
  std::memcpy(bytes.data() + 2, keys.key_id.data(), keys.key_id.size());
  std::memcpy(bytes.data() + 10, keys.public_key.data(), keys.public_key.size());
  return fmt::format("untrusted comment: minisign public key {}\n{}\n", KeyIdHex(keys.key_id),
                     ToBase64(bytes.data(), bytes.size()));
}

void WriteKeyPair(const std::string& dir) {
  std::string secret_path = dir + "/kiln.key";
  std::string public_path = dir + "/kiln.pub";
  if (std::filesystem::exists(secret_path) || std::filesystem::exists(public_path)) {
    throw RunError(fmt::format("'{}' or '{}' exists already; refusing to overwrite a key", secret_path, public_path));
  }
  MakeDirectories(dir);
  KeyPair keys = GenerateKeyPair();
  // Each file is created under an unpredictable name with its mode from the start, then linked to its name only if
  // nothing is there: a planted file or link gets nothing, and the secret key is never readable by others.
  std::string secret_text = SecretKeyFileText(keys);
  sodium_memzero(keys.secret_key.data(), keys.secret_key.size());
  try {
    CreateFileExclusively(secret_path, secret_text, 0600);
  } catch (...) {
    sodium_memzero(secret_text.data(), secret_text.size());
    throw;
  }
  sodium_memzero(secret_text.data(), secret_text.size());
  CreateFileExclusively(public_path, PublicKeyFileText(keys), 0644);
}

namespace {

// The secret key's text, read from one descriptor checked as it is read: not a symlink (O_NOFOLLOW), a regular
// file owned by whoever runs kiln, mode 0600 or stricter. Checking a path and then reading it would let another
// user swap the file in between.
std::string ReadSecretKeyFile(const std::string& path) {
  // O_NONBLOCK: a FIFO named as the key is opened at once and refused below, instead of waiting for a writer.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) {
    int error = errno;
    throw InputError(path, 0, error == ELOOP ? std::string("secret key is a symbolic link; name the file itself")
                                             : fmt::format("cannot read secret key: {}", std::strerror(error)));
  }
  struct stat info {};
  std::string problem;
  if (::fstat(fd, &info) != 0) {
    problem = fmt::format("cannot read secret key: {}", std::strerror(errno));
  } else if (!S_ISREG(info.st_mode)) {
    problem = "secret key is not a regular file";
  } else if (info.st_uid != ::geteuid()) {
    problem = fmt::format("secret key belongs to uid {}, not to the user running kiln (uid {})", info.st_uid, ::geteuid());
  } else if ((info.st_mode & 077) != 0) {
    problem = fmt::format("secret key is readable by others (mode {:04o}); run chmod 600 on it", info.st_mode & 0777);
  } else if (info.st_size > 4096) {
    problem = fmt::format("secret key file is {} bytes; a minisign key is under 1 KiB", info.st_size);
  }
  std::string text;
  if (problem.empty()) {
    char buffer[4096];
    for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) != 0;) {
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        problem = fmt::format("cannot read secret key: {}", std::strerror(errno));
        break;
      }
      text.append(buffer, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  if (!problem.empty()) throw InputError(path, 0, problem);
  return text;
}

}  // namespace

KeyPair LoadSecretKey(const std::string& path) {
  std::vector<std::string> lines = Lines(ReadSecretKeyFile(path));
  auto bytes = lines.size() >= 2 ? FromBase64(lines[1], kSecretKeyBytes) : std::nullopt;
  if (!bytes || std::memcmp(bytes->data(), kSignatureAlgorithm, 2) != 0) {
    throw InputError(path, 2, "not a minisign Ed25519 secret key");
  }
  if ((*bytes)[2] != 0 || (*bytes)[3] != 0) {
    throw InputError(path, 2, "password-protected minisign keys are not supported; make one with `kiln keygen` "
                              "or `minisign -G -W`");
  }
  KeyPair keys;
  const unsigned char* p = bytes->data() + 2 + 2 + 2 + 32 + 8 + 8;
  std::memcpy(keys.key_id.data(), p, 8);
  std::memcpy(keys.secret_key.data(), p + 8, 64);
  // minisign 0.11 leaves the checksum of an unencrypted key zeroed; then the key's own consistency is checked:
  // an Ed25519 secret key holds its seed and its public key, and the seed must give that public key.
  static constexpr std::array<unsigned char, 32> kNoChecksum{};
  auto checksum = SecretKeyChecksum(keys);
  if (std::memcmp(kNoChecksum.data(), p + 8 + 64, 32) != 0 && std::memcmp(checksum.data(), p + 8 + 64, 32) != 0) {
    throw InputError(path, 2, "secret key checksum does not match: corrupt key");
  }
  std::array<unsigned char, 32> derived{};
  std::array<unsigned char, 64> rebuilt{};
  crypto_sign_seed_keypair(derived.data(), rebuilt.data(), keys.secret_key.data());
  bool consistent = std::memcmp(derived.data(), keys.secret_key.data() + 32, 32) == 0;
  sodium_memzero(rebuilt.data(), rebuilt.size());
  if (!consistent) throw InputError(path, 2, "secret key is inconsistent (its public half does not match): corrupt key");
  keys.public_key = derived;
  sodium_memzero(bytes->data(), bytes->size());
  return keys;
}

KeyPair LoadPublicKey(const std::string& path) {
  std::vector<std::string> lines = Lines(ReadRegularFile(path, 64 << 10));
  // A public key file has a comment line and the key; a bare base64 key (minisign -P) is accepted too.
  const std::string& encoded = lines.size() >= 2 ? lines[1] : (lines.empty() ? std::string() : lines[0]);
  auto bytes = FromBase64(encoded, kPublicKeyBytes);
  if (!bytes || std::memcmp(bytes->data(), kSignatureAlgorithm, 2) != 0) {
    throw InputError(path, lines.size() >= 2 ? 2 : 1, "not a minisign Ed25519 public key");
  }
  KeyPair keys;
  std::memcpy(keys.key_id.data(), bytes->data() + 2, 8);
  std::memcpy(keys.public_key.data(), bytes->data() + 10, 32);
  return keys;
}

std::string SignatureFileText(const KeyPair& keys, const std::string& content, const std::string& trusted_comment) {
  if (trusted_comment.find('\n') != std::string::npos) throw std::invalid_argument("trusted comment spans lines");
  auto hash = Blake2b512(content);
  std::array<unsigned char, kSignatureBytes> signature{};
  std::memcpy(signature.data(), kPrehashedAlgorithm, 2);
  std::memcpy(signature.data() + 2, keys.key_id.data(), 8);
  crypto_sign_detached(signature.data() + 10, nullptr, hash.data(), hash.size(), keys.secret_key.data());
  // The global signature covers the signature and the trusted comment, so neither can be swapped.
  std::vector<unsigned char> global_message(signature.data() + 10, signature.data() + 74);
  global_message.insert(global_message.end(), trusted_comment.begin(), trusted_comment.end());
  std::array<unsigned char, 64> global{};
  crypto_sign_detached(global.data(), nullptr, global_message.data(), global_message.size(), keys.secret_key.data());
  return fmt::format("untrusted comment: signature from kiln secret key {}\n{}\ntrusted comment: {}\n{}\n",
                     KeyIdHex(keys.key_id), ToBase64(signature.data(), signature.size()), trusted_comment,
                     ToBase64(global.data(), global.size()));
}

VerifyResult VerifySignature(const KeyPair& public_key, const std::string& content, const std::string& signature_text) {
  VerifyResult result;
  std::vector<std::string> lines = Lines(signature_text);
  constexpr std::string_view kTrustedPrefix = "trusted comment: ";
  if (lines.size() < 4 || !lines[2].starts_with(kTrustedPrefix)) {
    result.message = "signature file is truncated or malformed (expected 4 lines: comment, signature, trusted "
                     "comment, global signature)";
    return result;
  }
  auto signature = FromBase64(lines[1], kSignatureBytes);
  auto global = FromBase64(lines[3], 64);
  if (!signature || !global) {
    result.message = "signature file is truncated or malformed (bad base64 signature)";
    return result;
  }
  std::array<unsigned char, 8> key_id{};
  std::memcpy(key_id.data(), signature->data() + 2, 8);
  if (key_id != public_key.key_id) {
    result.message = fmt::format("signed by key {} but the public key given is {}", KeyIdHex(key_id),
                                 KeyIdHex(public_key.key_id));
    return result;
  }
  bool prehashed = std::memcmp(signature->data(), kPrehashedAlgorithm, 2) == 0;
  bool legacy = std::memcmp(signature->data(), kSignatureAlgorithm, 2) == 0;
  if (!prehashed && !legacy) {
    result.message = "unknown signature algorithm";
    return result;
  }
  int rc = 0;
  if (prehashed) {
    auto hash = Blake2b512(content);
    rc = crypto_sign_verify_detached(signature->data() + 10, hash.data(), hash.size(), public_key.public_key.data());
  } else {
    rc = crypto_sign_verify_detached(signature->data() + 10, reinterpret_cast<const unsigned char*>(content.data()),
                                     content.size(), public_key.public_key.data());
  }
  if (rc != 0) {
    result.message = "signature does not match the file: it was altered after signing, or signed by another key";
    return result;
  }
  std::string trusted = lines[2].substr(kTrustedPrefix.size());
  std::vector<unsigned char> global_message(signature->data() + 10, signature->data() + 74);
  global_message.insert(global_message.end(), trusted.begin(), trusted.end());
  if (crypto_sign_verify_detached(global->data(), global_message.data(), global_message.size(),
                                  public_key.public_key.data()) != 0) {
    result.message = "trusted comment was altered after signing";
    return result;
  }
  result.ok = true;
  result.trusted_comment = trusted;
  result.message = "signature and trusted comment verified";
  return result;
}

}  // namespace kiln
